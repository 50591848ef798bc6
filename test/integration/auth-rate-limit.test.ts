import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../engine/config';
import { RedisRateLimiter } from '../../engine/redis/redis-rate-limiter';
import { startTestEngine, TEST_ADMIN_PASSWORD, type TestEngine } from '../helpers/engine';
import { testRedisUrl } from '../helpers/redis';

/** The engine's rate limits (in memory without REDIS_URL) at small configured rates. */
describe('rate limits on the engine', () => {
  let t: TestEngine;

  beforeAll(async () => {
    t = await startTestEngine({
      env: {
        DBAAS_RATE_LIMIT_READS_PER_MINUTE: '4',
        DBAAS_RATE_LIMIT_WRITES_PER_MINUTE: '3',
        DBAAS_RATE_LIMIT_BULK_PER_MINUTE: '2',
      },
    });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('refuses the fifth read of a minute with 429 and Retry-After, per identity', async () => {
    const { accessToken } = await t.login('admin', TEST_ADMIN_PASSWORD);
    const read = () =>
      t.requestAs<{ error: { code: string; message: string } }>(
        { token: accessToken },
        'GET',
        '/api/v1/providers',
      );
    for (let i = 0; i < 4; i++) expect((await read()).status).toBe(200);
    const refused = await read();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Bulk lists have their own, smaller budget.
    expect(
      (await t.requestAs({ token: accessToken }, 'GET', '/api/v1/databases?limit=101')).status,
    ).toBe(200);
    expect(
      (await t.requestAs({ token: accessToken }, 'GET', '/api/v1/databases?limit=101')).status,
    ).toBe(200);
    expect(
      (await t.requestAs({ token: accessToken }, 'GET', '/api/v1/databases?limit=101')).status,
    ).toBe(429);
    // The desktop's local admin is not limited.
    for (let i = 0; i < 6; i++)
      expect((await t.request('GET', '/api/v1/providers')).status).toBe(200);
  });

  it('limits anonymous callers (sign-in included) per source address', async () => {
    const login = (address: string) =>
      t.requestAs(
        null,
        'POST',
        '/api/v1/auth/login',
        { username: 'admin', password: TEST_ADMIN_PASSWORD },
        address,
      );
    for (let i = 0; i < 3; i++) expect((await login('10.7.0.1')).status).toBe(200);
    expect((await login('10.7.0.1')).status).toBe(429);
    expect((await login('10.7.0.2')).status).toBe(200);
  });

  it('refuses a configured rate above the maximum', async () => {
    expect(() => loadConfig({ DBAAS_RATE_LIMIT_READS_PER_MINUTE: '1000000' })).toThrow(
      /rateLimitReadsPerMinute \(DBAAS_RATE_LIMIT_READS_PER_MINUTE\)/,
    );
  });
});

/**
 * The same limits on Redis, shared by two engines: what one engine counted, the other sees. (With
 * REDIS_URL the engine builds this limiter itself; here it is handed in so that the queue and
 * leadership stay embedded.)
 */
describe('rate limits on Redis, shared by two engines', () => {
  const prefix = `test:${randomUUID()}:`;
  let redis: Redis;
  let engines: TestEngine[];

  beforeAll(async () => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    engines = await Promise.all(
      [1, 2].map(() =>
        startTestEngine({
          env: { DBAAS_RATE_LIMIT_WRITES_PER_MINUTE: '3' },
          engine: { rateLimiter: new RedisRateLimiter(redis, prefix) },
        }),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all((engines ?? []).map((engine) => engine.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('counts an address across engines and answers 429 with Retry-After', async () => {
    const [one, two] = engines as [TestEngine, TestEngine];
    const login = (t: TestEngine) =>
      t.requestAs<{ error: { code: string } }>(
        null,
        'POST',
        '/api/v1/auth/login',
        { username: 'admin', password: TEST_ADMIN_PASSWORD },
        '10.8.0.1',
      );
    expect((await login(one)).status).toBe(200);
    expect((await login(two)).status).toBe(200);
    expect((await login(one)).status).toBe(200);
    const refused = await login(two);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await redis.pttl(`${prefix}write:ip:10.8.0.1`)).toBeGreaterThan(0);
  });
});
