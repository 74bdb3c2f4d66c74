import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * attachments: one row per uploaded photo, voice message or file. The bytes live in storage
 * (disk or S3) under storage_key and thumbnail_key; the row is the truth about them. attached_at
 * stays NULL until a message takes the upload; deleted_at marks a row whose bytes the sweep
 * removes. The partial indexes serve the two reads that scan: the uploader's quota (live rows)
 * and the sweep (rows never attached, oldest first).
 */
export class Attachments1765100000000 implements MigrationInterface {
  name = 'Attachments1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE attachments (
        id              integer GENERATED ALWAYS AS IDENTITY,
        uploader_id     integer NOT NULL,
        kind            varchar(8) NOT NULL,
        mime_type       varchar(64) NOT NULL,
        size_bytes      integer NOT NULL,
        name            varchar(255),
        width           integer,
        height          integer,
        duration_ms     integer,
        waveform        jsonb,
        storage_key     varchar(200) NOT NULL,
        thumbnail_key   varchar(200),
        thumbnail_bytes integer NOT NULL DEFAULT 0,
        placeholder     varchar(64),
        created_at      timestamptz NOT NULL DEFAULT now(),
        attached_at     timestamptz,
        deleted_at      timestamptz,
        CONSTRAINT attachments_pkey PRIMARY KEY (id),
        CONSTRAINT attachments_uploader_id_fkey FOREIGN KEY (uploader_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT attachments_storage_key_key UNIQUE (storage_key),
        CONSTRAINT attachments_kind_check CHECK (kind IN ('image', 'voice', 'file')),
        CONSTRAINT attachments_size_check CHECK (size_bytes > 0 AND thumbnail_bytes >= 0),
        CONSTRAINT attachments_dimensions_check CHECK (
          (kind = 'image') = (width IS NOT NULL AND height IS NOT NULL AND thumbnail_key IS NOT NULL)),
        CONSTRAINT attachments_voice_check CHECK ((kind = 'voice') = (duration_ms IS NOT NULL)),
        CONSTRAINT attachments_waveform_check CHECK (waveform IS NULL OR kind = 'voice')
      )`);
    await db.query(
      `CREATE INDEX attachments_uploader_live_idx ON attachments (uploader_id) WHERE deleted_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX attachments_unattached_idx ON attachments (created_at) WHERE attached_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE attachments`);
  }
}
