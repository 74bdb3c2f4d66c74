import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * client/src/generated is committed so that the SDK builds without the service: it must say what
 * docs/openapi.json and docs/asyncapi.json say. When this fails, run `npm run client:types`.
 */
describe('the SDK generated types', () => {
  it('client/src/generated/openapi.ts is what openapi-typescript makes of docs/openapi.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sdk-types-'));
    try {
      const output = join(dir, 'openapi.ts');
      await run(
        process.execPath,
        [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'docs/openapi.json', '-o', output],
        { cwd: ROOT, timeout: 60_000 },
      );
      const committed = await readFile(join(ROOT, 'client/src/generated/openapi.ts'), 'utf8');
      expect(committed === (await readFile(output, 'utf8'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('client/src/generated/socket.ts is what client/scripts/socket-types.mjs makes of docs/asyncapi.json', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'client/scripts/socket-types.mjs'), '--stdout'],
      {
        cwd: ROOT,
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const committed = await readFile(join(ROOT, 'client/src/generated/socket.ts'), 'utf8');
    expect(committed === stdout).toBe(true);
    expect(stdout).toContain("'auth:expired': Schemas['AuthExpiredEventDto'];");
    expect(stdout).toContain(
      "'chat:sync': { payload: Schemas['SyncChatSocketDto']; ack: Schemas['MessagePageDto'] };",
    );
  }, 60_000);
});
