import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/helpers/redis';
import type { RoleBinding } from '../../domain';
import { createLogger } from '../../logging';
import { RedisRateLimiter } from '../../redis/redis-rate-limiter';
import {
  MemoryRateLimiter,
  unauthenticated,
  type Principal,
  type RateLimiter,
} from '../../services/auth';
import { buildApi } from '../app';
import { defineRoute } from '../route-table';

const viewer: RoleBinding[] = [{ role: 'viewer' }];

function principal(id: string): Principal {
  return { kind: 'user', id, actor: id, bindings: viewer, userId: id };
}

/** A minimal API: one read route, one write route, two tokens; limits 3 reads, 2 writes, 1 bulk a window. */
async function build(limiter: RateLimiter) {
  return buildApi({
    logger: createLogger('silent'),
    health: {
      version: '1',
      mode: 'daemon',
      startedAt: 0,
      now: () => 0,
      probes: [],
      role: () => 'leader',
    },
    routes: [
      defineRoute({
        method: 'GET',
        url: '/api/v1/things',
        permission: 'databases:read',
        summary: 'read',
        handler: async () => ({ items: [] }),
      }),
      defineRoute({
        method: 'POST',
        url: '/api/v1/things',
        permission: 'self',
        summary: 'write',
        handler: async () => ({ ok: true }),
      }),
    ],
    auth: {
      authenticateBearer: async (token) => {
        if (token === 'alice' || token === 'bob') return principal(token);
        throw unauthenticated();
      },
      authenticateApiKey: async () => {
        throw unauthenticated();
      },
    },
    rateLimit: {
      limiter,
      logger: createLogger('silent'),
      limits: { readsPerWindow: 3, writesPerWindow: 2, bulkPerWindow: 1, windowMs: 60_000 },
    },
  });
}

function suite(name: string, makeLimiter: () => RateLimiter) {
  describe(`rate limits per identity (${name})`, () => {
    it('answers 429 with Retry-After and the error shape once a class of calls is used up', async () => {
      const app = await build(makeLimiter());
      const get = (token: string, url = '/api/v1/things') =>
        app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 3; i++) expect((await get('alice')).statusCode).toBe(200);
      const refused = await get('alice');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: [] } });
      // Another identity has its own budget; writes and bulk reads are counted apart.
      expect((await get('bob')).statusCode).toBe(200);
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/things',
          headers: { authorization: 'Bearer alice' },
          payload: {},
        });
      expect((await post()).statusCode).toBe(200);
      expect((await post()).statusCode).toBe(200);
      expect((await post()).statusCode).toBe(429);
      expect((await get('bob', '/api/v1/things?limit=200')).statusCode).toBe(200);
      expect((await get('bob', '/api/v1/things?limit=200')).statusCode).toBe(429);
      expect((await get('bob', '/api/v1/things?limit=100')).statusCode).toBe(200);
      // Health is never limited.
      for (let i = 0; i < 5; i++)
        expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
      await app.close();
    });

    it('counts the pages after the first of a large list as reads, not bulk', async () => {
      const app = await build(makeLimiter());
      const get = (url: string) =>
        app.inject({ method: 'GET', url, headers: { authorization: 'Bearer alice' } });
      expect((await get('/api/v1/things?limit=500')).statusCode).toBe(200);
      expect((await get('/api/v1/things?limit=500&cursor=page-2')).statusCode).toBe(200);
      expect((await get('/api/v1/things?limit=500&cursor=page-3')).statusCode).toBe(200);
      expect((await get('/api/v1/things?limit=500')).statusCode).toBe(429);
      await app.close();
    });

    it('counts anonymous callers per source address', async () => {
      const app = await build(makeLimiter());
      const from = (remoteAddress: string) =>
        app.inject({ method: 'GET', url: '/api/v1/things', remoteAddress });
      for (let i = 0; i < 3; i++) expect((await from('10.1.1.1')).statusCode).toBe(401);
      expect((await from('10.1.1.1')).statusCode).toBe(429);
      expect((await from('10.1.1.2')).statusCode).toBe(401);
      await app.close();
    });
  });
}

suite('in memory', () => new MemoryRateLimiter());

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

  suite('Redis', () => new RedisRateLimiter(redis, `${prefix}${randomUUID()}:`));

  it('sets the expiry with the count, atomically, and shares counts between limiters', async () => {
    const shared = `${prefix}shared:`;
    const one = new RedisRateLimiter(redis, shared);
    const two = new RedisRateLimiter(redis, shared);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).hit('k', 5, 30_000)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const ttl = await redis.pttl(`${shared}k`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });
});
