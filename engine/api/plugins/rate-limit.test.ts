import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redisForSuite } from '../../../test/helpers/redis-suite';
import type { RoleBinding } from '../../domain';
import { createLogger } from '../../logging';
import { RedisRateLimiter } from '../../redis';
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

/** An API key of `userId`: its own id, its creator's user id. */
function keyOf(userId: string, keyId: string): Principal {
  return { kind: 'api-key', id: keyId, actor: `apikey:${keyId}`, bindings: viewer, userId };
}

/**
 * A minimal API: one read route, one write route, a sign-in route, two tokens and three API keys
 * (two of them alice's); limits 3 reads, 2 writes, 1 bulk a window.
 */
async function build(limiter: RateLimiter, trustedProxies?: string[]) {
  return buildApi({
    logger: createLogger('silent'),
    trustedProxies,
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
        handler: async () => ({ items: [], nextCursor: 'page-2' }),
      }),
      defineRoute({
        method: 'POST',
        url: '/api/v1/things',
        permission: 'self',
        summary: 'write',
        handler: async () => ({ ok: true }),
      }),
      defineRoute({
        method: 'POST',
        url: '/api/v1/auth/login',
        permission: 'public',
        summary: 'sign in',
        handler: async () => ({ ok: true }),
      }),
    ],
    auth: {
      authenticateBearer: async (token) => {
        if (token === 'alice' || token === 'bob') return principal(token);
        throw unauthenticated();
      },
      authenticateApiKey: async (key) => {
        if (key === 'key-a1' || key === 'key-a2') return keyOf('alice', key);
        if (key === 'key-b1') return keyOf('bob', key);
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
  describe(`rate limits per user (${name})`, () => {
    it('answers 429 with Retry-After, the RateLimit headers and the error shape once a class of calls is used up', async () => {
      const app = await build(makeLimiter());
      const get = (token: string, url = '/api/v1/things') =>
        app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const first = await get('alice');
      expect(first.statusCode).toBe(200);
      expect(first.headers).toMatchObject({
        'ratelimit-limit': '3',
        'ratelimit-remaining': '2',
        'ratelimit-reset': '20',
        'ratelimit-policy': '3;w=60',
      });
      for (let i = 0; i < 2; i++) expect((await get('alice')).statusCode).toBe(200);
      const refused = await get('alice');
      expect(refused.statusCode).toBe(429);
      // One token of three comes back every 20 s.
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(19);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(20);
      expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
      expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(59);
      expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: [] } });
      expect(refused.json().error.message).toMatch(/try again in (19|20) s/);
      // Another user has their own budget; writes and bulk reads are counted apart.
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

    it('counts a later page of a large list as bulk, like the first', async () => {
      const app = await build(makeLimiter());
      const get = (url: string) =>
        app.inject({ method: 'GET', url, headers: { authorization: 'Bearer alice' } });
      const first = await get('/api/v1/things?limit=500');
      expect(first.statusCode).toBe(200);
      const cursor = encodeURIComponent(first.json<{ nextCursor: string }>().nextCursor);
      expect((await get(`/api/v1/things?limit=500&cursor=${cursor}`)).statusCode).toBe(429);
      // Small pages stay reads, with or without a cursor.
      expect((await get(`/api/v1/things?limit=100&cursor=${cursor}`)).statusCode).toBe(200);
      await app.close();
    });

    it("counts every API key in its user's bucket, beside the user's own tokens", async () => {
      const app = await build(makeLimiter());
      const withKey = (key: string) =>
        app.inject({ method: 'GET', url: '/api/v1/things', headers: { 'x-api-key': key } });
      expect((await withKey('key-a1')).statusCode).toBe(200);
      expect((await withKey('key-a2')).statusCode).toBe(200);
      expect(
        (
          await app.inject({
            method: 'GET',
            url: '/api/v1/things',
            headers: { authorization: 'Bearer alice' },
          })
        ).statusCode,
      ).toBe(200);
      expect((await withKey('key-a2')).statusCode).toBe(429);
      expect((await withKey('key-a1')).statusCode).toBe(429);
      expect((await withKey('key-b1')).statusCode).toBe(200);
      await app.close();
    });

    it('counts anonymous callers per socket address, ignoring X-Forwarded-For without trusted proxies', async () => {
      const app = await build(makeLimiter());
      const from = (remoteAddress: string, forwarded?: string) =>
        app.inject({
          method: 'GET',
          url: '/api/v1/things',
          remoteAddress,
          headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
        });
      for (let i = 0; i < 3; i++)
        expect((await from('10.1.1.1', `198.51.100.${i}`)).statusCode).toBe(401);
      expect((await from('10.1.1.1', '198.51.100.9')).statusCode).toBe(429);
      expect((await from('10.1.1.2')).statusCode).toBe(401);
      await app.close();
    });

    it('counts the client a trusted proxy names, and only a trusted one', async () => {
      const app = await build(makeLimiter(), ['10.9.0.0/16']);
      const via = (remoteAddress: string, forwarded: string) =>
        app.inject({
          method: 'GET',
          url: '/api/v1/things',
          remoteAddress,
          headers: { 'x-forwarded-for': forwarded },
        });
      for (let i = 0; i < 3; i++)
        expect((await via('10.9.0.1', '203.0.113.5')).statusCode).toBe(401);
      expect((await via('10.9.0.2', '203.0.113.5')).statusCode).toBe(429);
      // Another client behind the same proxy keeps its budget.
      expect((await via('10.9.0.1', '203.0.113.6')).statusCode).toBe(401);
      // A peer outside the trusted range cannot choose its address by the header.
      for (let i = 0; i < 3; i++)
        expect((await via('192.0.2.1', `203.0.113.${20 + i}`)).statusCode).toBe(401);
      expect((await via('192.0.2.1', '203.0.113.99')).statusCode).toBe(429);
      await app.close();
    });

    it('counts sign-ins per username and client address, so one guesser blocks no one else', async () => {
      const app = await build(makeLimiter(), ['10.9.0.1']);
      const login = (client: string, username: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.9.0.1',
          headers: { 'x-forwarded-for': client },
          payload: { username, password: 'wrong' },
        });
      expect((await login('203.0.113.5', 'alice')).statusCode).toBe(200);
      expect((await login('203.0.113.5', 'Alice')).statusCode).toBe(200);
      const refused = await login('203.0.113.5', 'alice');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.headers['ratelimit-limit']).toBe('2');
      expect((await login('203.0.113.6', 'alice')).statusCode).toBe(200);
      expect((await login('203.0.113.5', 'bob')).statusCode).toBe(200);
      await app.close();
    });
  });
}

suite('in memory', () => new MemoryRateLimiter());

describe('on Redis', () => {
  const { client, prefix } = redisForSuite();

  suite('Redis', () => new RedisRateLimiter(client(), `${prefix}${randomUUID()}:`));
});
