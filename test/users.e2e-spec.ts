import { useApp } from './support/app.fixture';
import { registerUser, uniqueUsername } from './support/users.helpers';

const API = '/api/v1';

describe('auth and users (e2e)', () => {
  const t = useApp();

  describe('GET /users', () => {
    it('finds people by part of username or display name, case-insensitively, without the caller', async () => {
      const tag = uniqueUsername('vet').slice(4);
      const me = await registerUser(t, `find_${tag}`);
      const olga = await registerUser(t, `olga_${tag}`, `Ольга ${tag}`);
      const res = await t
        .http()
        .get(`${API}/users`)
        .query({ search: tag.toUpperCase() })
        .set(me.auth)
        .expect(200);
      expect(res.body.items).toEqual([
        { id: olga.id, username: olga.username, display_name: olga.display_name, avatar_url: null },
      ]);
      const cyr = await t
        .http()
        .get(`${API}/users`)
        .query({ search: `ольга ${tag}` })
        .set(me.auth)
        .expect(200);
      expect(cyr.body.items.map((u: { id: number }) => u.id)).toEqual([olga.id]);
    });

    it('treats % and _ literally', async () => {
      const me = await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ search: '%' }).set(me.auth).expect(200);
      // Suites share the database, and test/hostile-input-routes.e2e-spec.ts stores names with a "%".
      const items = res.body.items as { id: number; display_name: string }[];
      expect(items.map((user) => user.id)).not.toContain(me.id);
      for (const user of items) expect(user.display_name).toContain('%');
    });

    it('bounds the list with limit', async () => {
      const me = await registerUser(t);
      await registerUser(t);
      await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ limit: 2 }).set(me.auth).expect(200);
      expect(res.body.items).toHaveLength(2);
    });

    it.each(['0', '101', 'abc', '1.5', ''])('rejects limit=%s with 400', async (limit) => {
      const me = await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ limit }).set(me.auth).expect(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));
    });

    it('needs a token', async () => {
      await t.http().get(`${API}/users`).expect(401);
    });
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await t.http().get(`${API}/nothing-here`).expect(404);
    expect(res.body).toEqual({ status: 404, code: 'not_found', message: 'Not found' });
  });
});
