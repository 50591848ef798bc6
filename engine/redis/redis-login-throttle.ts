import { createHash } from 'node:crypto';
import {
  failureDelay,
  LoginThrottle,
  type LoginAttempts,
  type LoginThrottleOptions,
} from '../services/auth';
import type { RedisEvalClient } from './redis-rate-limiter';

/**
 * One failure, atomically for every replica: the count grows, the lock starts at the limit, and
 * the hash expires a lock's length after the last failure (a quiet spell forgets, as in memory).
 */
const FAILURE_SCRIPT = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'lockedUntil', tonumber(ARGV[1]) + tonumber(ARGV[3]))
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return failures
`;

/** The lock's end (ms since the epoch), 0 when the pair is not locked. */
const LOCKED_SCRIPT = `return tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')`;

const CLEAR_SCRIPT = `return redis.call('DEL', KEYS[1])`;

export interface RedisLoginThrottleOptions extends LoginThrottleOptions {
  client: RedisEvalClient;
  /** Key prefix, e.g. `dbaas:login:`. */
  prefix: string;
  /** Told when Redis fails a call; the replica's own in-memory count answers meanwhile. */
  onError?: (error: unknown) => void;
}

/**
 * The login throttle of shared mode: failures per `username|source` count in Redis, so five wrong
 * passwords spread over three replicas lock the pair on all of them. Keys are hashes of the pair
 * (no user name or address in Redis). When Redis does not answer, this replica's own count
 * answers instead: guessing stays bounded per replica, and sign-in does not stop with Redis.
 */
export class RedisLoginThrottle implements LoginAttempts {
  private readonly local: LoginThrottle;
  private readonly now: () => number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly baseMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: RedisLoginThrottleOptions) {
    this.local = new LoginThrottle(options);
    this.now = options.now ?? Date.now;
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 15 * 60_000;
    this.baseMs = options.slowdownBaseMs ?? 100;
    this.maxDelayMs = options.slowdownMaxMs ?? 2_000;
  }

  private keyOf(pair: string): string {
    return this.options.prefix + createHash('sha256').update(pair).digest('hex').slice(0, 32);
  }

  private async call<T>(run: () => Promise<T>, fallback: () => T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.options.onError?.(error);
      return fallback();
    }
  }

  async lockedFor(pair: string): Promise<number> {
    return this.call(
      async () => {
        const until = Number(await this.options.client.eval(LOCKED_SCRIPT, 1, this.keyOf(pair)));
        return Math.max(0, until - this.now());
      },
      () => this.local.lockedFor(pair),
    );
  }

  async failure(pair: string): Promise<number> {
    // The local count follows too, so that it is current should Redis go away.
    const localDelay = this.local.failure(pair);
    return this.call(
      async () => {
        const failures = Number(
          await this.options.client.eval(
            FAILURE_SCRIPT,
            1,
            this.keyOf(pair),
            this.now(),
            this.maxFailures,
            this.lockMs,
          ),
        );
        return failureDelay(failures, this.baseMs, this.maxDelayMs);
      },
      () => localDelay,
    );
  }

  async success(pair: string): Promise<void> {
    this.local.success(pair);
    await this.call(
      async () => {
        await this.options.client.eval(CLEAR_SCRIPT, 1, this.keyOf(pair));
      },
      () => undefined,
    );
  }
}
