import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The Redis connections of realtime when REDIS_URL is set: `pub` for commands and publishing,
 * `sub` for the adapter's subscriptions (a subscribed connection can run nothing else). Closed
 * last on shutdown, after the sockets and the presence updates that still need them.
 */
@Injectable()
export class RealtimeRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('RealtimeRedis');
  readonly pub: Redis | undefined;
  readonly sub: Redis | undefined;
  readonly prefix: string;

  constructor(config: AppConfig) {
    this.prefix = config.redisKeyPrefix;
    if (!config.redisUrl) return;
    this.pub = this.connect(new Redis(config.redisUrl, { connectionName: `${this.prefix}:pub` }));
    this.sub = this.connect(this.pub.duplicate({ connectionName: `${this.prefix}:sub` }));
  }

  key(...parts: (string | number)[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    const clients = [this.pub, this.sub].filter((client) => client !== undefined);
    await Promise.all(clients.map(close));
  }

  private connect(client: Redis): Redis {
    client.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    return client;
  }
}

/** QUIT lets queued commands finish; a client that is not connected would queue QUIT forever. */
async function close(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
