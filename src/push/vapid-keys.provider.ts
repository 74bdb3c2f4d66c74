import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateVAPIDKeys } from 'web-push';
import { AppConfig } from '../config/app.config';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The VAPID key pair (RFC 8292) that signs every push and that browsers subscribe with (GET
 * /push/vapid-public-key). From VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY (required in production, by
 * the configuration); otherwise generated once and kept in the data folder (.data/vapid-keys.json),
 * so that subscriptions made in development survive restarts. Instances sharing a folder share
 * the keys: the first to start writes them, the others read them.
 */
@Injectable()
export class VapidKeysProvider implements OnModuleInit {
  private readonly logger = new Logger('WebPush');
  private loaded?: VapidKeys;

  constructor(private readonly config: AppConfig) {}

  get keys(): VapidKeys {
    if (!this.loaded) throw new Error('VAPID keys read before the module was initialized');
    return this.loaded;
  }

  async onModuleInit(): Promise<void> {
    this.loaded = this.config.push.vapidKeys ?? (await this.fromDataFolder(this.config.push.vapidKeysFile));
  }

  private async fromDataFolder(file: string): Promise<VapidKeys> {
    const existing = await readKeys(file);
    if (existing) return existing;
    const generated = generateVAPIDKeys();
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, `${JSON.stringify(generated, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      this.logger.warn(
        `Generated VAPID keys into ${file} (development); set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY in production`,
      );
      return generated;
    } catch (error) {
      // Another instance wrote them first: theirs are the ones.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      for (let attempt = 0; attempt < 50; attempt++) {
        const written = await readKeys(file);
        if (written) return written;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`${file} holds no VAPID key pair`, { cause: error });
    }
  }
}

async function readKeys(file: string): Promise<VapidKeys | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<VapidKeys>;
    if (typeof parsed.publicKey === 'string' && typeof parsed.privateKey === 'string') {
      return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
    }
    return undefined;
  } catch (error) {
    // Absent, or half-written by another instance right now.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
