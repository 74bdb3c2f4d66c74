import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The Redis connections of realtime when REDIS_URL is set: `pub` for commands and publishing,
 * and a subscriber connection for the adapter (a subscribed connection can run nothing else).
 * Closed last on shutdown, after the sockets and the presence updates that still need them.
 */
@Injectable()
export class RealtimeRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('RealtimeRedis');
  readonly pub: Redis | undefined;
  private sub: Redis | undefined;
  readonly prefix: string;
  private readonly reconnectListeners: (() => void)[] = [];

  constructor(config: AppConfig) {
    this.prefix = config.redisKeyPrefix;
    if (!config.redisUrl) return;
    this.pub = this.connect(new Redis(config.redisUrl, { connectionName: `${this.prefix}:pub` }));
  }

  /**
   * Made when the adapter subscribes, in the same tick: ioredis queues the subscriptions until
   * the connection is ready. Subscribing on a connection whose ready check is still running
   * fails ("Connection in subscriber mode") and leaves the adapter deaf.
   */
  subscriber(): Redis | undefined {
    if (this.pub && !this.sub) {
      this.sub = this.connect(this.pub.duplicate({ connectionName: `${this.prefix}:sub` }));
    }
    return this.sub;
  }

  /**
   * Calls `listener` whenever a connection is ready again after it was lost (not on the first
   * connect): what other instances published meanwhile never reached this one, and what this one
   * published went nowhere.
   */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
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
    let connected = false;
    client.on('ready', () => {
      if (connected) for (const listener of this.reconnectListeners) listener();
      connected = true;
    });
    return client;
  }
}

/** QUIT lets queued commands finish; a client that is not connected would queue QUIT forever. */
async function close(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
