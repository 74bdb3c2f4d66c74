import { routeTable, startApp, TestApp } from './support/app.fixture';
import {
  AsyncApi,
  clientEvents,
  events,
  expectedStored,
  Field,
  Fixture,
  HOSTILE,
  hostileFixture,
  OpenApi,
  operations,
  pathSegment,
  queryPair,
  routes,
  toJson,
  verdictOf,
  withForm,
} from './support/hostile-input.fixture';
import { API, MANY_REQUESTS } from './support/messages.helpers';
import { moderatorName } from './support/moderation.helpers';

/** Hostile values in the routes' fields: see test/support/hostile-input.fixture.ts. */
describe('hostile values in every field of every route and socket event (e2e)', () => {
  let t: TestApp;
  let f: Fixture;
  let openApi: OpenApi;
  let asyncApi: AsyncApi;

  beforeAll(async () => {
    t = await startApp({
      ...MANY_REQUESTS,
      MODERATOR_USERNAMES: moderatorName(),
      // Every hostile value of every field of the report route files a report when it is accepted.
      REPORTS_PER_USER_PER_HOUR: '100000',
    });
    ({ f, openApi, asyncApi } = await hostileFixture(t));
  }, 60_000);
  afterAll(() => t.close());

  it('has a baseline for every operation of the OpenAPI document and every client event of the AsyncAPI document', () => {
    expect(Object.keys(routes(t)).sort()).toEqual([...operations(openApi).keys()].sort());
    expect(Object.keys(events(t)).sort()).toEqual([...clientEvents(asyncApi).keys()].sort());
    // A multipart route's fields are read from its form schema, so they get the hostile values too.
    expect(operations(openApi).get('POST /api/v1/attachments')).toEqual([
      { name: 'file', in: 'form' },
      { name: 'kind', in: 'form' },
      { name: 'waveform', in: 'form' },
    ]);
  });

  it('documents every route Fastify serves (so that the OpenAPI document is the whole list)', () => {
    // As test/security-matrix.e2e-spec.ts reads it: Fastify's routes as registered, no wildcards.
    const served = routeTable(t)
      .filter((route) => !/^\/docs(\/|$)/.test(route.split(' ')[1]))
      .map((route) => route.replace(/:(\w+)/g, '{$1}'))
      // Sorted as written here: ':' sorts before letters, '{' after ('/chats/public').
      .sort();
    expect(served).toEqual([...operations(openApi).keys()].sort());
  });

  it.each(['1.2147483648', '1.9999999999', '999999999999999999.2147483648', '0.0', '1.1.1', '-1.1'])(
    'answers a forged chat-list cursor %p with 400 or a page, never 500',
    async (raw) => {
      const cursor = Buffer.from(raw).toString('base64url');
      const res = await t.http().get(`${API}/chats`).query({ cursor }).set(f.owner.auth);
      expect(verdictOf(res.status, res.body, 'cursor', HOSTILE[0], false)).toBeUndefined();
    },
  );

  const REST_CASES = (): [string, Field][] =>
    [...operations(openApi)].flatMap(([route, fields]) =>
      fields.map((field): [string, Field] => [route, field]),
    );

  it('sends each hostile value to each field of each route: a 4xx in the error shape or a verbatim round trip', async () => {
    const table = routes(t);
    const problems: string[] = [];
    let cases = 0;
    const roundTrips = new Map<string, number>();
    for (const [route, field] of REST_CASES()) {
      const [method, template] = route.split(' ');
      const spec = table[route];
      for (const hostile of HOSTILE) {
        cases += 1;
        const params = { ...spec.params?.(f) };
        const query = { ...spec.query?.(f) };
        const body = spec.body ? { ...(await spec.body(f)) } : undefined;
        const form = spec.form ? { ...(await spec.form()) } : undefined;
        const target = { path: params, query, body: body ?? {}, form: form ?? {} }[field.in];
        target[field.name] = hostile.value;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
          field.in === 'path' && name === field.name ? pathSegment(params[name]) : String(params[name]),
        );
        const search = Object.entries(query)
          .map(([name, value]) => queryPair(name, value))
          .join('&');
        const req = t
          .http()
          [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
            `${path}${search ? `?${search}` : ''}`,
          );
        if (!spec.anonymous) void req.set((spec.moderator ? f.moderator : f.owner).auth);
        const res = form
          ? await withForm(req, form)
          : body
            ? await req.set('Content-Type', 'application/json').send(toJson(body))
            : await req;
        // A lone surrogate cannot be written in a URL: its bytes are not UTF-8, and the query
        // parser keeps them as the literal "%ED%A0%BD" text, the router refuses them (400).
        // (In a multipart field it arrives as U+FFFD: no stored text field takes one there.)
        const reachesApp = field.in === 'body' || field.in === 'form' || hostile.value === 'a\u0000b';
        let problem = verdictOf(res.status, res.body, field.name, hostile, reachesApp);
        if (
          !problem &&
          res.status < 300 &&
          spec.stored &&
          body &&
          field.in === 'body' &&
          typeof hostile.value === 'string'
        ) {
          const stored = await spec.stored(f, res, body);
          if (field.name in stored) {
            if (stored[field.name] !== expectedStored(hostile.value)) {
              problem = `stored ${JSON.stringify(stored[field.name])?.slice(0, 80)}`;
            } else
              roundTrips.set(`${route} ${field.name}`, (roundTrips.get(`${route} ${field.name}`) ?? 0) + 1);
          }
        }
        if (problem) problems.push(`${route} ${field.in}:${field.name} ← ${hostile.label}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(cases).toBeGreaterThan(800);
    // The round trip is checked, not skipped: each stored text field took some of the values.
    expect([...roundTrips.keys()].sort()).toEqual(
      expect.arrayContaining([
        'PATCH /api/v1/chats/{chat_id} title',
        'PATCH /api/v1/chats/{chat_id}/messages/{message_id} content',
        'POST /api/v1/auth/register display_name',
        'POST /api/v1/auth/register password',
        'POST /api/v1/chats title',
        'POST /api/v1/chats/{chat_id}/messages client_message_id',
        'POST /api/v1/chats/{chat_id}/messages content',
        'PATCH /api/v1/users/me display_name',
      ]),
    );
  }, 300_000);
});
