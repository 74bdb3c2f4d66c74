import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const COMMITTED = join(ROOT, 'docs', 'openapi.json');
const run = promisify(execFile);

/** A package's command line, run with this Node and no network use (no usage reporting). */
function cli(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(ROOT, 'node_modules', bin), ...args], {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  });
}

/**
 * The committed docs/openapi.json is what a frontend team feeds its tools: openapi-typescript
 * must turn it into types, and Redocly's recommended rules (redocly.yaml) must find no error.
 */
describe('OpenAPI document and its tools', () => {
  it('generates TypeScript types with openapi-typescript', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-types-'));
    try {
      const output = join(dir, 'api.d.ts');
      await cli('openapi-typescript/bin/cli.js', [COMMITTED, '--output', output]);
      const types = await readFile(output, 'utf8');
      expect(types).toContain('export interface paths');
      expect(types).toContain('"/api/v1/chats/{chat_id}/messages"');
      expect(types).toContain('FieldErrorDto');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('passes redocly lint with the recommended rules, without errors', async () => {
    const { stdout } = await cli('@redocly/cli/bin/cli.js', [
      'lint',
      COMMITTED,
      '--config',
      join(ROOT, 'redocly.yaml'),
      '--format',
      'json',
    ]);
    const { totals } = JSON.parse(stdout) as { totals: { errors: number; warnings: number } };
    expect(totals.errors).toBe(0);
  }, 60_000);
});
