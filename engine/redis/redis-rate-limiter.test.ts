import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redisForSuite } from '../../test/helpers/redis-suite';
import {
  manualClock,
  rateLimiterConformance,
} from '../services/auth/conformance/rate-limiter-conformance';
import { RedisRateLimiter } from './redis-rate-limiter';

describe('on Redis', () => {
  const { client, prefix } = redisForSuite();

  rateLimiterConformance('Redis', (clock) => {
    const own = `${prefix}${randomUUID()}:`;
    return {
      limiter: new RedisRateLimiter(client(), own, clock.now),
      twin: () => new RedisRateLimiter(client(), own, clock.now),
    };
  });

  it('lets a bucket expire once it would be full again', async () => {
    const clock = manualClock(Date.now());
    const limiter = new RedisRateLimiter(client(), `${prefix}ttl:`, clock.now);
    await limiter.hit('k', 10, 30_000);
    const ttl = await client().pttl(`${prefix}ttl:k`);
    // One token taken of ten refills in 3 s (plus a second of slack).
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(4_000);
  });
});
