import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Disposable } from '../base/disposable';
import type { DatabaseStatusEvent, EventBus } from '../services/events';

/**
 * In shared mode the latest status of every database is also kept in Redis (one hash,
 * `<prefix>:status`, field = database id, value = the `database.status` event's data), so that
 * every engine instance — leader or not — and outside tools read it without touching the store.
 */
export class RedisStatusCache implements Disposable {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly subscription: Disposable;

  constructor(options: { redis: Redis; prefix: string; events: EventBus; logger?: Logger }) {
    this.redis = options.redis;
    this.key = `${options.prefix}:status`;
    this.subscription = options.events.subscribe((event) => {
      if (event.type !== 'database.status') return;
      this.redis
        .hset(this.key, event.data.id, JSON.stringify(event.data))
        .catch((error: unknown) => {
          options.logger?.warn(
            { err: error, databaseId: event.data.id },
            'status cache write failed',
          );
        });
    });
  }

  /** The cached status of one database, or null. */
  async get(databaseId: string): Promise<DatabaseStatusEvent['data'] | null> {
    const value = await this.redis.hget(this.key, databaseId);
    return value ? (JSON.parse(value) as DatabaseStatusEvent['data']) : null;
  }

  async dispose(): Promise<void> {
    await this.subscription.dispose();
    this.redis.disconnect();
  }
}
