import { Redis } from 'ioredis';
import { backoffDelay, UnavailableError, type BackoffPolicy, type Disposable } from '../base';

/**
 * The shared mode's one Redis wing: every connection the engine opens to Redis is made here, with
 * the same bounds — lazy connect, reconnection with capped backoff, a bounded number of retries per
 * command, errors handed to one listener instead of an unhandled `error` event — and closed here.
 */
export interface RedisClientOptions {
  /**
   * Queue commands while disconnected (default true). Off for whoever must know at once that
   * Redis is gone — leadership cannot renew a lease later.
   */
  offlineQueue?: boolean;
  /** Reconnections a command waits through before it fails (default 2); null = until connected, as BullMQ's blocking worker needs. */
  maxRetriesPerRequest?: number | null;
  /** A command fails after this long (default: none; ioredis' own). */
  commandTimeoutMs?: number;
  /** Bound of the TCP connect (default 10 s). */
  connectTimeoutMs?: number;
  /** Receives the connection errors the client survives (it reconnects). */
  onError?: (error: Error) => void;
}

/** Reconnection delays: 100 ms doubling to at most 5 s, jittered so that instances do not stampede. */
export const REDIS_RECONNECT_BACKOFF: BackoffPolicy = {
  initialMs: 100,
  maxMs: 5_000,
  factor: 2,
  jitter: 0.5,
};

/** One Redis client, not yet connected: the first command (or `connect()`) connects. */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: options.offlineQueue ?? true,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    retryStrategy: (attempt: number) => backoffDelay(attempt, REDIS_RECONNECT_BACKOFF),
  });
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

/**
 * Closes a client politely (QUIT), or drops it when the server does not answer within `timeoutMs`;
 * resolves once the client has ended (or the bound has passed).
 */
export async function closeRedisClient(client: Redis, timeoutMs = 2_000): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    if (client.status === 'end') resolve();
    else client.once('end', () => resolve());
  });
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const quit = client.quit().then(
    () => 'quit' as const,
    () => 'failed' as const,
  );
  if ((await Promise.race([quit, bound])) !== 'quit') client.disconnect();
  await Promise.race([ended, bound]);
  clearTimeout(timer);
}

/** Where this engine's Redis data lives: one server and a key prefix shared by every consumer. */
export interface RedisSettings {
  url: string;
  /** Every key starts with `<prefix>:`, so that several deployments can share one Redis. */
  prefix: string;
  onError?: (error: Error, purpose: string) => void;
}

/** The engine's Redis connections: opened through one factory, closed together (newest first). */
export interface RedisConnections extends Disposable {
  readonly prefix: string;
  /** `<prefix>:<parts joined by ':'>`. */
  key(...parts: string[]): string;
  /** A new client for `purpose` (named in error reports), closed with the others. */
  open(purpose: string, options?: Omit<RedisClientOptions, 'onError'>): Redis;
  /** How many clients are open (for tests and readiness). */
  readonly size: number;
  dispose(): Promise<void>;
}

export function createRedisConnections(settings: RedisSettings): RedisConnections {
  let clients: Redis[] = [];
  let closed = false;
  return {
    prefix: settings.prefix,
    key: (...parts) => [settings.prefix, ...parts].join(':'),
    open(purpose, options = {}) {
      if (closed) throw new UnavailableError('the Redis connections are closed');
      const client = createRedisClient(settings.url, {
        ...options,
        onError: (error) => settings.onError?.(error, purpose),
      });
      // Clients their owner already closed (a queue worker per leadership term) are let go.
      clients = clients.filter((open) => open.status !== 'end');
      clients.push(client);
      return client;
    },
    get size() {
      return clients.length;
    },
    async dispose() {
      closed = true;
      const all = clients.reverse();
      clients = [];
      for (const client of all) await closeRedisClient(client);
    },
  };
}
