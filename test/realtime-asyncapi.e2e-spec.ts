import 'reflect-metadata';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealtimeGateway } from '../src/realtime/realtime.gateway';
import { startApp, TestApp } from './support/app.fixture';

const COMMITTED = join(__dirname, '..', 'docs', 'asyncapi.json');
const REALTIME_SOURCES = join(__dirname, '..', 'src', 'realtime');

interface Operation {
  action: 'send' | 'receive';
  title: string;
}
interface AsyncApiDocument {
  asyncapi: string;
  operations: Record<string, Operation>;
}

const titles = (doc: AsyncApiDocument, action: Operation['action']): string[] =>
  Object.values(doc.operations)
    .filter((operation) => operation.action === action)
    .map((operation) => operation.title)
    .sort();

/** The event names the gateway handles, read from its @SubscribeMessage metadata. */
function subscribedEvents(): string[] {
  const prototype = RealtimeGateway.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((name) => prototype[name])
    .filter((member): member is object => typeof member === 'function')
    .map((handler) => Reflect.getMetadata(MESSAGE_METADATA, handler) as string | undefined)
    .filter((event): event is string => event !== undefined)
    .sort();
}

/** The event names the realtime code emits: every `.emit('name'` in its sources. */
function emittedEvents(): string[] {
  const files = readdirSync(REALTIME_SOURCES, { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'),
  );
  const names = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(REALTIME_SOURCES, file), 'utf8');
    for (const match of source.matchAll(/\.emit\(\s*'([^']+)'/g)) names.add(match[1]);
  }
  return [...names].sort();
}

/** Every `$ref` in the document, for checking that each one resolves inside it. */
function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => refs(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

function resolve(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
}

/**
 * docs/asyncapi.json is what frontend teams read for the socket events: it must match the
 * code. `npm run docs:asyncapi` regenerates it after a change.
 */
describe('AsyncAPI document (e2e)', () => {
  let t: TestApp;
  let served: AsyncApiDocument;

  beforeAll(async () => {
    t = await startApp();
    served = (await t.http().get('/docs/asyncapi.json').expect(200)).body as AsyncApiDocument;
  });
  afterAll(() => t.close());

  it('is served at /docs/asyncapi.json without a token and matches the committed docs/asyncapi.json', () => {
    const generated = `${JSON.stringify(served, null, 2)}\n`;
    if (process.env.UPDATE_API_DOCS === '1') writeFileSync(COMMITTED, generated);
    expect(served.asyncapi).toBe('3.0.0');
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(served);
  });

  it('documents exactly the client events the gateway handles', () => {
    expect(subscribedEvents()).toEqual([
      'chat:pin',
      'chat:read',
      'chat:sync',
      'message:delete',
      'message:edit',
      'message:react',
      'message:send',
      'typing',
    ]);
    expect(titles(served, 'receive')).toEqual(subscribedEvents());
  });

  it('documents exactly the server events the code emits', () => {
    expect(emittedEvents()).toContain('message:new');
    expect(titles(served, 'send')).toEqual(emittedEvents());
  });

  it('resolves every $ref inside the document', () => {
    const unresolved = refs(served).filter((ref) => resolve(served, ref) === undefined);
    expect(unresolved).toEqual([]);
  });
});
