/**
 * A Redis client for one describe block of a suite that needs Redis: connected before its tests,
 * and afterwards the keys under its prefix deleted and the connection closed.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { testRedisUrl } from './redis';

export function redisForSuite(namespace = ''): { client: () => Redis; prefix: string } {
  const prefix = `test:${randomUUID()}:${namespace}`;
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return {
    prefix,
    client: () => {
      if (!redis) throw new Error('the suite Redis is used before its beforeAll ran');
      return redis;
    },
  };
}
