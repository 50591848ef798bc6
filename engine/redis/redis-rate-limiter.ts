import type { RateDecision, RateLimiter } from '../services/auth/rate-limiter';

/** What the Redis limiter needs of a client: ioredis' `eval`. Any ioredis client has it. */
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
