import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis, RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app.config';
import { errorMessage } from '../common/errors/error-message';

/** Reconnect attempts while Redis is away: quickly at first, then every 2 s, for ever. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 200, 2000);
}

/**
 * The Redis connections of realtime when REDIS_URL is set: `pub` for commands and publishing,
 * and a subscriber connection for the adapter (a subscribed connection can run nothing else).
 * Closed last on shutdown, after the sockets and the presence updates that still need them.
 *
 * Redis may go away for any length of time: the connections reconnect by themselves, and
 * meanwhile every command on `pub` fails within REDIS_COMMAND_TIMEOUT_MS (commands waiting for
 * the connection are failed at each failed reconnect rather than retried), so nothing awaits
 * Redis for long and nothing piles up. The adapter publishes without handling failures: it is
 * handed {@link publisher}, whose failed publishes are logged (once per outage) rather than left
 * to reject unhandled. The subscriber keeps its subscriptions queued until Redis answers, and
 * ioredis subscribes again after each reconnect, so delivery from the other instances resumes.
 */
@Injectable()
export class RealtimeRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('RealtimeRedis');
  readonly pub: Redis | undefined;
  private sub: Redis | undefined;
  /** `pub` and `sub` as handed to the adapter (see {@link withFailuresHandled}). */
  private adapterPub: Redis | undefined;
  private adapterSub: Redis | undefined;
  readonly prefix: string;
  private readonly reconnectListeners: (() => void)[] = [];
  /** Publishes dropped since Redis was last ready; undefined while it is. */
  private dropped: number | undefined;

  constructor(config: AppConfig) {
    this.prefix = config.redisKeyPrefix;
    if (!config.redisUrl) return;
    const options: RedisOptions = {
      connectionName: `${this.prefix}:pub`,
      maxRetriesPerRequest: 0,
      commandTimeout: config.redisCommandTimeoutMs,
      retryStrategy: reconnectDelayMs,
    };
    this.pub = this.connect(new Redis(config.redisUrl, options));
    this.pub.on('ready', () => {
      if (this.dropped !== undefined) {
        this.logger.warn(`Redis is back: publishing again (${this.dropped} dropped while it was away)`);
      }
      this.dropped = undefined;
    });
  }

  /**
   * Made when the adapter subscribes, in the same tick: ioredis queues the subscriptions until
   * the connection is ready. Subscribing on a connection whose ready check is still running
   * fails ("Connection in subscriber mode") and leaves the adapter deaf. No command timeout nor
   * retry limit: a subscription made while Redis is away waits for it rather than fail.
   */
  subscriber(): Redis | undefined {
    if (this.pub && !this.sub) {
      const sub = this.pub.duplicate({
        connectionName: `${this.prefix}:sub`,
        maxRetriesPerRequest: null,
        commandTimeout: undefined,
      });
      this.sub = this.connect(sub);
      this.adapterSub = withFailuresHandled(sub, SUBSCRIBER_COMMANDS, (error) =>
        this.logger.warn(`Redis subscription change failed: ${errorMessage(error)}`),
      );
    }
    return this.adapterSub;
  }

  /** `pub` as the adapter should see it: its publishes never reject unhandled. */
  publisher(): Redis | undefined {
    if (this.pub && !this.adapterPub) {
      this.adapterPub = withFailuresHandled(this.pub, ['publish'], (error) => this.publishFailed(error));
    }
    return this.adapterPub;
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

  /** A publish that failed: its event reached this instance's sockets, not the others'. */
  private publishFailed(error: unknown): void {
    if (this.dropped === undefined) {
      this.dropped = 0;
      this.logger.warn(
        `Redis publish failed: events reach this instance's sockets only until Redis is back (${errorMessage(error)})`,
      );
    }
    this.dropped++;
  }
}

const SUBSCRIBER_COMMANDS = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;

/**
 * The same client, but the promises of `methods` never reject: their failures go to `onFailure`.
 * Other properties are the client's own, methods bound to it.
 */
function withFailuresHandled(
  client: Redis,
  methods: readonly string[],
  onFailure: (error: unknown) => void,
): Redis {
  return new Proxy(client, {
    get(target, property): unknown {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && methods.includes(property)) {
        return (...args: unknown[]): unknown => {
          const result = method.apply(target, args);
          return result instanceof Promise ? result.catch(onFailure) : result;
        };
      }
      return method.bind(target);
    },
  });
}

/** QUIT lets queued commands finish; a client that is not connected would queue QUIT forever. */
async function close(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
