import type { Ack } from '../src/realtime/events.types';
import { startApp, TestApp } from './support/app.fixture';
import {
  AsyncApi,
  clientEvents,
  events,
  expectedStored,
  Fixture,
  HOSTILE,
  hostileFixture,
  Input,
  toJson,
  verdictOf,
} from './support/hostile-input.fixture';
import { MANY_REQUESTS } from './support/messages.helpers';
import { closeSockets, connectAs, type ClientSocket } from './support/sockets.helpers';

interface RawEngine {
  write: (data: string) => void;
  on: (event: 'packet', listener: (packet: { type: string; data?: unknown }) => void) => void;
  off: (event: 'packet', listener: (packet: { type: string; data?: unknown }) => void) => void;
}

/** Hostile values in the socket events' fields: see test/support/hostile-input.fixture.ts. */
describe('hostile values in every field of every route and socket event (e2e)', () => {
  let t: TestApp;
  let f: Fixture;
  let asyncApi: AsyncApi;
  /** Members of the chat, each with a socket: events rotate over them to stay under per-user rates. */
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    const fixture = await hostileFixture(t);
    ({ f, asyncApi } = fixture);
    for (const user of [f.member, ...fixture.others]) sockets.push(await connectAs(t, user));
    sockets.unshift(await connectAs(t, f.owner));
  }, 60_000);
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  let rawAckId = 1_000_000;
  /**
   * Emits with an ack as socket.io-client would, but serialized here: the client's own encoder
   * recurses into the payload (looking for binaries) and overflows the stack on deep nesting.
   */
  function rawAsk(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<unknown>> {
    const engine = (socket as unknown as { io: { engine: RawEngine } }).io.engine;
    const id = (rawAckId += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack to ${event} within 5 s`)), 5000);
      const onPacket = (packet: { type: string; data?: unknown }): void => {
        if (
          packet.type !== 'message' ||
          typeof packet.data !== 'string' ||
          !packet.data.startsWith(`3${id}[`)
        )
          return;
        clearTimeout(timer);
        engine.off('packet', onPacket);
        resolve((JSON.parse(packet.data.slice(String(id).length + 1)) as [Ack<unknown>])[0]);
      };
      engine.on('packet', onPacket);
      engine.write(`2${id}${toJson([event, payload])}`);
    });
  }

  /** The ack, retried after retry_after_ms when the event's rate limit answers 429. */
  async function ackOf(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<unknown>> {
    for (;;) {
      const ack = await rawAsk(socket, event, payload);
      if (ack.ok || ack.error.code !== 'rate_limited') return ack;
      const { retry_after_ms } = ack.error.details as { retry_after_ms: number };
      await new Promise((resolve) => setTimeout(resolve, retry_after_ms));
    }
  }

  it('sends each hostile value to each field of each socket event: an error ack in the shape or a verbatim round trip', async () => {
    const table = events(t);
    const problems: string[] = [];
    let cases = 0;
    let turn = 0;
    const roundTrips = new Set<string>();
    for (const [event, fields] of clientEvents(asyncApi)) {
      const spec = table[event];
      for (const field of fields) {
        for (const hostile of HOSTILE) {
          cases += 1;
          // Edits are the author's (the owner's, socket 0); other events rotate over the members.
          const socket = event === 'message:edit' ? sockets[0] : sockets[turn++ % sockets.length];
          const payload = { ...spec.payload(f), [field]: hostile.value };
          const ack = await ackOf(socket, event, payload);
          const [status, body] = ack.ok ? [200, ack.data] : [ack.error.status, ack.error];
          let problem = verdictOf(status, body, field, hostile, true);
          if (!problem && ack.ok && spec.stored && typeof hostile.value === 'string') {
            const stored = await spec.stored(f, (ack.data ?? {}) as Input);
            if (field in stored) {
              if (stored[field] !== expectedStored(hostile.value))
                problem = `stored ${JSON.stringify(stored[field])?.slice(0, 80)}`;
              else roundTrips.add(`${event} ${field}`);
            }
          }
          if (problem) problems.push(`${event} ${field} ← ${hostile.label}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(cases).toBeGreaterThan(200);
    expect([...roundTrips].sort()).toEqual(
      expect.arrayContaining([
        'message:edit content',
        'message:send client_message_id',
        'message:send content',
      ]),
    );
    // The sockets survived all of it.
    for (const socket of sockets) expect(socket.connected).toBe(true);
  }, 300_000);
});
