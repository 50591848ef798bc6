import { toDecision, type RateDecision, type RateLimiter } from '../services/auth/rate-limiter';

/** What the Redis limiter needs of a client: ioredis' `eval`. Any ioredis client has it. */
export interface RedisEvalClient {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * `takeTokens` in Lua, so that reading, refilling and taking happen atomically for every replica.
 * The caller's clock is passed in (replicas' clocks agree closely; one that is behind never
 * refills, exactly as in memory). The key expires once the bucket would be full, so idle callers
 * leave nothing behind. Tokens travel as strings: Redis truncates Lua numbers to integers.
 */
export const TOKEN_BUCKET_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = limit
local at = now
if saved[1] and saved[2] then
  tokens = tonumber(saved[1])
  local last = tonumber(saved[2])
  if now > last then
    tokens = math.min(limit, tokens + (now - last) * limit / window)
  else
    at = last
  end
end
local allowed = 0
if cost <= 0 or tokens >= cost then
  tokens = math.min(limit, tokens - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', at))
local full = math.ceil((limit - tokens) * window / limit)
redis.call('PEXPIRE', KEYS[1], math.max(1000, full + 1000))
return {allowed, string.format('%.17g', tokens)}
`;

/** The shared limiter: one Redis hash per key (class and identity). */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly client: RedisEvalClient,
    private readonly prefix = 'dbaas:ratelimit:',
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<RateDecision> {
    const result = (await this.client.eval(
      TOKEN_BUCKET_SCRIPT,
      1,
      `${this.prefix}${key}`,
      limit,
      windowMs,
      cost,
      Math.floor(this.now()),
    )) as [number, string];
    return toDecision(Number(result[0]) === 1, Number(result[1]), limit, windowMs, cost);
  }
}
