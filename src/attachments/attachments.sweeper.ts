import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { AttachmentsRepository } from '../repositories/attachments.repository';
import { STORAGE_PREFIX } from './attachments.service';
import { AttachmentStorage } from './storage/attachment.storage';

/** Rows removed per statement, and keys checked per orphan query. */
const BATCH = 100;

export interface SweepResult {
  /** Rows removed (marked deleted, or never attached in time), with their bytes. */
  removed: number;
  /** Stored objects that belonged to no row (a crash between writing bytes and the row). */
  orphans: number;
}

/**
 * Removes, every ATTACHMENT_SWEEP_INTERVAL_SECONDS, the uploads no message took within
 * ATTACHMENT_UNATTACHED_TTL_SECONDS and those marked deleted (their message or chat deleted, an avatar replaced)
 * over ATTACHMENT_DELETED_GRACE_SECONDS ago: the row first (one DELETE … FOR UPDATE SKIP LOCKED, so
 * instances sweeping at once take different rows), then its bytes. Bytes whose row is gone
 * (deleting them failed, or the process died in between) are found by listing storage.
 */
@Injectable()
export class AttachmentsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AttachmentsSweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;

  constructor(
    private readonly config: AppConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly storage: AttachmentStorage,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.attachments.sweepIntervalSeconds * 1000;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.logger.warn(
          `Attachment sweep failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }, every).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep (a sweep already running on this instance is joined, not doubled). */
  sweep(now = new Date()): Promise<SweepResult> {
    this.running ??= this.run(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(now: Date): Promise<SweepResult> {
    const { unattachedTtlSeconds, deletedGraceSeconds } = this.config.attachments;
    const cutoff = new Date(now.getTime() - unattachedTtlSeconds * 1000);
    const deletedBefore = new Date(now.getTime() - deletedGraceSeconds * 1000);
    let removed = 0;
    for (;;) {
      const rows = await this.attachments.removeSwept(cutoff, deletedBefore, BATCH);
      // Bytes another row still names (a forward's copy, or its original) stay.
      for (const row of rows.filter((removed) => !removed.shared)) {
        await this.deleteQuietly(row.storageKey);
        if (row.thumbnailKey) await this.deleteQuietly(row.thumbnailKey);
      }
      removed += rows.length;
      if (rows.length < BATCH) break;
    }
    const orphans = await this.removeOrphans(cutoff);
    return { removed, orphans };
  }

  /**
   * Objects older than the cutoff whose folder's original no row names. Younger ones are left
   * alone: their row may be about to be written.
   */
  private async removeOrphans(cutoff: Date): Promise<number> {
    let removed = 0;
    let batch = new Map<string, string[]>();
    const flush = async () => {
      const unknown = await this.attachments.unknownKeys([...batch.keys()]);
      for (const original of unknown) {
        for (const key of batch.get(original) ?? []) {
          await this.deleteQuietly(key);
          removed++;
        }
      }
      batch = new Map();
    };
    for await (const object of this.storage.list(STORAGE_PREFIX)) {
      if (object.lastModified >= cutoff) continue;
      const original = `${object.key.slice(0, object.key.lastIndexOf('/'))}/original`;
      batch.set(original, [...(batch.get(original) ?? []), object.key]);
      if (batch.size >= BATCH) await flush();
    }
    if (batch.size > 0) await flush();
    return removed;
  }

  private async deleteQuietly(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (error) {
      // Left for the orphan pass of a later sweep.
      this.logger.warn(`Could not delete ${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
