import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AttachmentsSweeper } from '../src/attachments/attachments.sweeper';
import { AttachmentStorage, StoredObjectMissing } from '../src/attachments/storage/attachment.storage';
import { startApp, TestApp } from './support/app.fixture';
import { fetchSigned, uploaded } from './support/attachments.helpers';
import { pdf, png } from './support/media.fixtures';
import { registerUser, TestUser } from './support/users.helpers';

describe('attachments: the sweep of uploads never attached (e2e)', () => {
  let dir: string;
  let a: TestApp;
  let b: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sweep-'));
    // Two instances on one database and one storage, as behind a load balancer.
    a = await startApp({ STORAGE_DIR: dir });
    b = await startApp({ STORAGE_DIR: dir });
    user = await registerUser(a, 'sweep');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const backdate = (ids: number[], hours: number) =>
    a.db.query(`UPDATE attachments SET created_at = now() - make_interval(hours => $2) WHERE id = ANY($1)`, [
      ids,
      hours,
    ]);

  const keysOf = async (id: number) =>
    (
      await a.db.query<{ storage_key: string; thumbnail_key: string | null }[]>(
        'SELECT storage_key, thumbnail_key FROM attachments WHERE id = $1',
        [id],
      )
    )[0];

  const exists = async (storage: AttachmentStorage, key: string) => {
    try {
      (await storage.get(key)).destroy();
      return true;
    } catch (error) {
      if (error instanceof StoredObjectMissing) return false;
      throw error;
    }
  };

  it('removes the rows and bytes of uploads older than 24 hours that no message took', async () => {
    const storage = a.app.get(AttachmentStorage);
    const stale = await uploaded(a, user, await png(20, 20));
    const young = await uploaded(a, user, pdf());
    const attached = await uploaded(a, user, pdf());
    const staleKeys = await keysOf(stale.id);
    await backdate([stale.id], 25);
    await backdate([young.id], 23);
    await backdate([attached.id], 48);
    await a.db.query('UPDATE attachments SET attached_at = now() WHERE id = $1', [attached.id]);

    const result = await a.app.get(AttachmentsSweeper).sweep();
    // Rows other suites of the run marked deleted may go too.
    expect(result.removed).toBeGreaterThanOrEqual(1);

    const left = await a.db.query<{ id: number }[]>(
      'SELECT id FROM attachments WHERE id = ANY($1) ORDER BY id',
      [[stale.id, young.id, attached.id]],
    );
    expect(left.map((row) => row.id)).toEqual([young.id, attached.id]);
    expect(await exists(storage, staleKeys.storage_key)).toBe(false);
    expect(await exists(storage, staleKeys.thumbnail_key!)).toBe(false);
    expect((await fetchSigned(a, stale.url)).status).toBe(404);
    await fetchSigned(a, young.url).expect(200);
    await fetchSigned(a, attached.url).expect(200);
  });

  it('removes bytes no row owns once they are older than 24 hours, and leaves young ones', async () => {
    const storage = a.app.get(AttachmentStorage);
    const old = `attachments/${randomUUID()}`;
    const young = `attachments/${randomUUID()}/original`;
    await storage.put(`${old}/original`, Readable.from([Buffer.from('left by a crash')]), 'text/plain');
    await storage.put(`${old}/thumbnail`, Readable.from([Buffer.from('left by a crash')]), 'text/plain');
    await storage.put(young, Readable.from([Buffer.from('row about to be written')]), 'text/plain');
    const dayAndMore = new Date(Date.now() - 25 * 3600 * 1000);
    for (const name of ['original', 'thumbnail']) {
      await utimes(join(dir, ...old.split('/'), name), dayAndMore, dayAndMore);
    }
    const kept = await uploaded(a, user, pdf());
    await a.db.query(`UPDATE attachments SET attached_at = now() WHERE id = $1`, [kept.id]);
    const keptKeys = await keysOf(kept.id);
    await utimes(join(dir, ...keptKeys.storage_key.split('/')), dayAndMore, dayAndMore);

    const result = await a.app.get(AttachmentsSweeper).sweep();
    expect(result.orphans).toBe(2);
    expect(await exists(storage, `${old}/original`)).toBe(false);
    expect(await exists(storage, `${old}/thumbnail`)).toBe(false);
    expect(await exists(storage, young)).toBe(true);
    expect(await exists(storage, keptKeys.storage_key)).toBe(true);
  });

  it('is safe with two instances sweeping at once: each row and its bytes removed exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await uploaded(a, user, pdf())).id);
    await backdate(ids, 30);
    const [fromA, fromB] = await Promise.all([
      a.app.get(AttachmentsSweeper).sweep(),
      b.app.get(AttachmentsSweeper).sweep(),
    ]);
    expect(fromA.removed + fromB.removed).toBe(30);
    const [{ count }] = await a.db.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM attachments WHERE id = ANY($1)',
      [ids],
    );
    expect(count).toBe(0);
  });
});
