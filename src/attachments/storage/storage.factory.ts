import type { StorageConfig } from '../../config/app.config';
import type { AttachmentStorage } from './attachment.storage';
import { DiskStorage } from './disk.storage';
import { S3Storage } from './s3.storage';

/** The storage driver STORAGE_DRIVER names. */
export function createStorage(config: StorageConfig): AttachmentStorage {
  return config.driver === 'disk' ? new DiskStorage(config.dir) : new S3Storage(config);
}
