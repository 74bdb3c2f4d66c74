import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register, uploadAttachment } from '../lib/api';
import { noiseJpeg } from '../lib/images';
import type { BenchContext } from '../lib/context';
import type { ServerProcess } from '../lib/processes';
import type { Row } from '../lib/report';

/**
 * Attachments upload (issue 13): throughput of 1 MB photos, image processing time per megapixel,
 * and the service's peak RSS over idle while 20 uploads of 20 MB files or of 12-megapixel photos
 * arrive at once. The bare baseline has no uploads: these rows are the service's own figures.
 */

const NO_BARE = 'service only (the bare baseline has no uploads)';
const MB = 1024 * 1024;

/** A 20 MB "PDF": a PDF header and random bytes (stored as a file, not processed). */
function bigFile(bytes: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes - 9)]);
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** The peak of VmRSS, sampled every 20 ms while `work` runs. */
async function peakRss(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKb(pid));
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssKb(pid));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function upload(ctx: BenchContext): Promise<void> {
  const quick = ctx.options.quick;
  const storage = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  const started: ServerProcess[] = [];
  // Each peak is taken on a fresh instance, as the Dockerfile runs it (MALLOC_ARENA_MAX=2).
  const start = async (name: string) => {
    const server = await ctx.startService(name, {
      STORAGE_DIR: storage,
      MALLOC_ARENA_MAX: '2',
      ATTACHMENT_USER_QUOTA_BYTES: String(1024 ** 4),
    });
    started.push(server);
    return server;
  };
  const row = (metric: string, unit: string, values: number[], target?: Row['target']): Row => ({
    scenario: 'upload',
    metric,
    unit,
    bare: [],
    service: values,
    target,
    note: NO_BARE,
  });
  try {
    ctx.log('  generating images');
    const photo1 = await noiseJpeg(1480, 1110, 92); // 1.6 MP, ~1 MB
    const photo12 = await noiseJpeg(4000, 3000, 85); // 12 MP, ~5 MB (a phone's)
    const file20 = bigFile(20 * MB);
    ctx.log(
      `  1 MB photo: ${(photo1.length / MB).toFixed(2)} MB; 12 MP photo: ${(photo12.length / MB).toFixed(1)} MB`,
    );

    const service = await start('upload');
    const user = await register(service.origin, `up${ctx.runTag}`);
    const photo = (body: Buffer) => uploadAttachment(service.origin, user.token, body, 'p.jpg', 'image/jpeg');
    await photo(photo1); // warm-up

    const figures = {
      seqRate: [] as number[],
      seqMBs: [] as number[],
      conRate: [] as number[],
      conMBs: [] as number[],
    };
    const perMp = { small: [] as number[], large: [] as number[] };
    const count = quick ? 6 : 30;
    const parallel = 4;
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      let t0 = performance.now();
      for (let i = 0; i < count; i++) await photo(photo1);
      let seconds = (performance.now() - t0) / 1000;
      figures.seqRate.push(count / seconds);
      figures.seqMBs.push((count * photo1.length) / MB / seconds);
      perMp.small.push((seconds * 1000) / count / 1.6428);
      t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next++ < count) await photo(photo1);
        }),
      );
      seconds = (performance.now() - t0) / 1000;
      figures.conRate.push(count / seconds);
      figures.conMBs.push((count * photo1.length) / MB / seconds);
      const large = quick ? 1 : 3;
      t0 = performance.now();
      for (let i = 0; i < large; i++) await photo(photo12);
      perMp.large.push((performance.now() - t0) / large / 12);
    }
    ctx.log(
      `  1 MB photos: ${figures.seqRate.map((v) => v.toFixed(1)).join(', ')}/s sequential, ` +
        `${figures.conRate.map((v) => v.toFixed(1)).join(', ')}/s ${parallel} at once; ` +
        `12 MP: ${perMp.large.map((v) => v.toFixed(0)).join(', ')} ms/MP`,
    );
    await service.stop();

    const burst = 20;
    const peaks = { files: [] as number[], photos: [] as number[], photoMs: [] as number[] };
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      for (const kind of ['files', 'photos'] as const) {
        const server = await start(`upload-${kind}-${repeat + 1}`);
        const who = await register(server.origin, `up${ctx.runTag}${kind[0]}${repeat}`);
        await uploadAttachment(server.origin, who.token, photo1, 'w.jpg', 'image/jpeg'); // warm-up: sharp loaded
        await sleep(500);
        const idle = rssKb(server.pid);
        const t0 = performance.now();
        const peak = await peakRss(server.pid, () =>
          Promise.all(
            Array.from({ length: burst }, (_, i) =>
              kind === 'files'
                ? uploadAttachment(server.origin, who.token, file20, `f${i}.pdf`, 'application/pdf')
                : uploadAttachment(server.origin, who.token, photo12, `p${i}.jpg`, 'image/jpeg'),
            ),
          ),
        );
        const ms = performance.now() - t0;
        peaks[kind].push((peak - idle) / 1024);
        if (kind === 'photos') peaks.photoMs.push(ms / burst);
        ctx.log(
          `  ${burst} × ${kind} at once: idle ${(idle / 1024).toFixed(0)} MB, peak +${((peak - idle) / 1024).toFixed(0)} MB, ${(ms / 1000).toFixed(1)} s`,
        );
        await server.stop();
      }
    }
    const mb20 = `${burst} concurrent 20 MB file uploads`;
    const mp12 = `${burst} concurrent 12 MP photo uploads`;
    ctx.rows.push(
      row('1 MB photos, one at a time', 'uploads/s', figures.seqRate),
      row('1 MB photos, one at a time', 'MB/s', figures.seqMBs),
      row(`1 MB photos, ${parallel} at once`, 'uploads/s', figures.conRate),
      row(`1 MB photos, ${parallel} at once`, 'MB/s', figures.conMBs),
      row('upload time per megapixel, 1.6 MP photo (whole request, one at a time)', 'ms/MP', perMp.small),
      row('upload time per megapixel, 12 MP photo (whole request, one at a time)', 'ms/MP', perMp.large),
      row(`peak RSS over idle, ${mb20}`, 'MB', peaks.files, { kind: 'at-most', value: 100 }),
      row(`peak RSS over idle, ${mp12}`, 'MB', peaks.photos, { kind: 'at-most', value: 100 }),
      row(`time per photo in the burst of ${mp12}`, 'ms', peaks.photoMs),
    );
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    rmSync(storage, { recursive: true, force: true });
  }
}
