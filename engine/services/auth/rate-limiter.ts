/** One decision of a rate limiter. */
export interface RateDecision {
  allowed: boolean;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/**
 * Counts requests per key in fixed windows. Implementations: in memory (one engine) and Redis
 * (shared by every engine instance, atomic through one Lua script).
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
}

interface Window {
  count: number;
  resetAt: number;
}

/** The in-memory limiter: a fixed window per key; expired windows are swept as calls arrive. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private calls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = this.now();
    if (++this.calls % 1000 === 0) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    const allowed = window.count <= limit;
    return { allowed, remaining: Math.max(0, limit - window.count), resetMs: window.resetAt - now };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/** What the Redis limiter needs of a client: ioredis' `eval`. Injected, so this file names no driver. */
export interface RedisEvalClient {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * INCR and PEXPIRE in one script, so that the count and its expiry are set atomically: no key can be
 * left without an expiry by a crash between two commands.
 */
const FIXED_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** The shared limiter: one Redis key per identity, class and window. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: RedisEvalClient,
    private readonly prefix = 'dbaas:ratelimit:',
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const result = (await this.client.eval(
      FIXED_WINDOW_SCRIPT,
      1,
      `${this.prefix}${key}`,
      windowMs,
    )) as [number, number];
    const count = Number(result[0]);
    const ttl = Number(result[1]);
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetMs: ttl };
  }
}
