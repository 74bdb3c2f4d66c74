import type { Readable } from 'node:stream';

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObjectInfo {
  key: string;
  lastModified: Date;
}

/** The object is not in storage (never written, or deleted). */
export class StoredObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`No stored object ${key}`);
    this.name = 'StoredObjectMissing';
  }
}

/**
 * Where attachment bytes live. Keys are `/`-separated paths of `[a-z0-9._-]` segments. Every
 * method streams: nothing holds a whole object in memory.
 */
export abstract class AttachmentStorage {
  /** Writes the object from the stream; readers never see a partly written one. */
  abstract put(key: string, body: Readable, contentType: string): Promise<void>;

  /** The object's bytes, or the range of them; StoredObjectMissing when it is not there. */
  abstract get(key: string, range?: ByteRange): Promise<Readable>;

  /** Removes the object; removing a missing one is not an error. */
  abstract delete(key: string): Promise<void>;

  /** Every object whose key starts with `prefix`, in no particular order. */
  abstract list(prefix: string): AsyncIterable<StoredObjectInfo>;

  /** Releases connections (the S3 client's sockets); the disk driver holds none. */
  close(): void {}
}

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** Refuses a key that could leave the storage root (`..`, absolute paths, odd characters). */
export function checkedKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`Invalid storage key: ${JSON.stringify(key)}`);
  }
  return key;
}
