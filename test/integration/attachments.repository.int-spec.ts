import { randomUUID } from 'node:crypto';
import { AttachmentsRepository, NewAttachment } from '../../src/repositories/attachments.repository';
import {
  migratedDatabase,
  MigratedDatabase,
  pdfAttachment,
  Seed,
} from '../support/integration-database.fixture';

describe('AttachmentsRepository (integration)', () => {
  let m: MigratedDatabase;
  let attachments: AttachmentsRepository;
  let seed: Seed;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_attachments');
    attachments = new AttachmentsRepository(m.db);
    seed = new Seed(m.db);
  });
  afterAll(() => m.drop());

  const file = pdfAttachment;

  it('counts originals and thumbnails against the quota, live rows only', async () => {
    const user = await seed.user();
    const image: NewAttachment = {
      ...file(user, 600),
      kind: 'image',
      mimeType: 'image/png',
      width: 10,
      height: 10,
      thumbnailKey: `attachments/${randomUUID()}/thumbnail`,
      thumbnailBytes: 300,
    };
    const first = await attachments.insertWithinQuota(image, 1000);
    expect(first).toMatchObject({ kind: 'image', sizeBytes: 600, thumbnailBytes: 300, attachedAt: null });
    expect(await attachments.insertWithinQuota(file(user, 101), 1000)).toBeUndefined();
    expect(await attachments.insertWithinQuota(file(user, 100), 1000)).toBeDefined();
    await m.db.query('UPDATE attachments SET deleted_at = now() WHERE id = $1', [first!.id]);
    expect(await attachments.findLive(first!.id)).toBeUndefined();
    expect(await attachments.insertWithinQuota(file(user, 900), 1000)).toBeDefined();
  });

  it('lets only one of two concurrent uploads take the last space of a quota', async () => {
    const user = await seed.user();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => attachments.insertWithinQuota(file(user, 600), 1000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the columns true to the kind', async () => {
    const user = await seed.user();
    await expect(attachments.insertWithinQuota({ ...file(user, 10), kind: 'image' }, 1e9)).rejects.toThrow(
      /attachments_dimensions_check/,
    );
    await expect(attachments.insertWithinQuota({ ...file(user, 10), waveform: [0.5] }, 1e9)).rejects.toThrow(
      /attachments_waveform_check|attachments_voice_check/,
    );
    await expect(attachments.insertWithinQuota({ ...file(user, 0) }, 1e9)).rejects.toThrow(
      /attachments_size_check/,
    );
  });

  it('sweeps rows deleted before the grace cutoff and stale unattached rows, skipping rows another transaction holds', async () => {
    await m.db.query('DELETE FROM attachments');
    const user = await seed.user();
    const rows = [];
    for (let i = 0; i < 6; i++) rows.push((await attachments.insertWithinQuota(file(user, 10), 1e9))!);
    const [stale, held, attached, fresh, deleted, graced] = rows;
    const graceCutoff = () => new Date(Date.now() - 3_600_000);
    await m.db.query(`UPDATE attachments SET created_at = now() - interval '2 days' WHERE id = ANY($1)`, [
      [stale.id, held.id, attached.id],
    ]);
    await m.db.query('UPDATE attachments SET attached_at = now() WHERE id = $1', [attached.id]);
    await m.db.query(`UPDATE attachments SET deleted_at = now() - interval '2 hours' WHERE id = $1`, [
      deleted.id,
    ]);
    await m.db.query('UPDATE attachments SET attached_at = now(), deleted_at = now() WHERE id = $1', [
      graced.id,
    ]);

    const runner = m.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('SELECT id FROM attachments WHERE id = $1 FOR UPDATE', [held.id]);
      const started = Date.now();
      const removed = await attachments.removeSwept(new Date(Date.now() - 86_400_000), graceCutoff(), 100);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(removed.map((row) => row.id).sort((a, b) => a - b)).toEqual([stale.id, deleted.id]);
      expect(removed[0]).toEqual({
        id: expect.any(Number),
        storageKey: expect.stringMatching(/^attachments\//),
        thumbnailKey: null,
        shared: false,
      });
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    const again = await attachments.removeSwept(new Date(Date.now() - 86_400_000), graceCutoff(), 100);
    expect(again.map((row) => row.id)).toEqual([held.id]);
    const [kept]: { id: number }[] = await m.db.query('SELECT id FROM attachments WHERE id = $1', [
      graced.id,
    ]);
    expect(kept).toEqual({ id: graced.id });
    expect(await attachments.findLive(fresh.id)).toBeDefined();
    expect(await attachments.findLive(attached.id)).toBeDefined();
  });

  it('names the stored keys that no row owns', async () => {
    const user = await seed.user();
    const row = (await attachments.insertWithinQuota(file(user, 10), 1e9))!;
    const orphan = `attachments/${randomUUID()}/original`;
    expect(await attachments.unknownKeys([row.storageKey, orphan])).toEqual([orphan]);
    expect(await attachments.unknownKeys([])).toEqual([]);
  });
});
