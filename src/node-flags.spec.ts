import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from './node-flags';

const ROOT = join(__dirname, '..');

describe('SERVICE_NODE_FLAGS', () => {
  it("are on every command line that starts the service: the image's CMD and npm start", () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = dockerfile
      .split('\n')
      .filter((line) => line.startsWith('CMD '))
      .at(-1)!;
    expect(JSON.parse(cmd.slice('CMD '.length))).toEqual(['node', ...SERVICE_NODE_FLAGS, 'dist/src/main.js']);
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const launch = `node ${SERVICE_NODE_FLAGS.join(' ')} dist/src/main.js`;
    expect(scripts['start:prod']).toBe(launch);
    expect(scripts.start.endsWith(`&& ${launch}`)).toBe(true);
  });

  it('are taken by this Node.js (an unknown option would stop the service at start)', () => {
    const heap = execFileSync(
      process.execPath,
      [
        ...SERVICE_NODE_FLAGS,
        '-p',
        "require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size",
      ],
      { encoding: 'utf8' },
    );
    // The young generation reserved at 16 MB at least: the flag took effect.
    expect(Number(heap)).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });
});
