import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/helpers/redis';
import {
  manualClock,
  rateLimiterConformance,
} from '../services/auth/conformance/rate-limiter-conformance';
import { RedisRateLimiter } from './redis-rate-limiter';

describe('on Redis', () => {
  let redis: Redis;
  const prefix = `test:${randomUUID()}:`;
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  rateLimiterConformance('Redis', (clock) => {
    const own = `${prefix}${randomUUID()}:`;
    return {
      limiter: new RedisRateLimiter(redis, own, clock.now),
      twin: () => new RedisRateLimiter(redis, own, clock.now),
    };
  });

  it('lets a bucket expire once it would be full again', async () => {
    const clock = manualClock(Date.now());
    const limiter = new RedisRateLimiter(redis, `${prefix}ttl:`, clock.now);
    await limiter.hit('k', 10, 30_000);
    const ttl = await redis.pttl(`${prefix}ttl:k`);
    // One token taken of ten refills in 3 s (plus a second of slack).
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(4_000);
  });
});
