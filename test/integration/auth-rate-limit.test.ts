import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../engine/config';
import { RedisRateLimiter } from '../../engine/redis';
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

  it('limits sign-ins per username and client address', async () => {
    const login = (address: string, username = 'admin') =>
      t.requestAs(
        null,
        'POST',
        '/api/v1/auth/login',
        { username, password: TEST_ADMIN_PASSWORD },
        address,
      );
    for (let i = 0; i < 3; i++) expect((await login('10.7.0.1')).status).toBe(200);
    expect((await login('10.7.0.1')).status).toBe(429);
    expect((await login('10.7.0.2')).status).toBe(200);
    expect((await login('10.7.0.1', 'someone-else')).status).toBe(401);
  });

  it('refuses a configured rate above the maximum, and a trusted proxy that is not an address', () => {
    expect(() => loadConfig({ DBAAS_RATE_LIMIT_READS_PER_MINUTE: '1000000' })).toThrow(
      /rateLimitReadsPerMinute \(DBAAS_RATE_LIMIT_READS_PER_MINUTE\)/,
    );
    expect(() => loadConfig({ DBAAS_TRUSTED_PROXIES: '10.0.0.0/8,proxy.example' })).toThrow(
      /trustedProxies \(DBAAS_TRUSTED_PROXIES\): must be IP addresses or CIDR ranges/,
    );
    expect(() => loadConfig({ DBAAS_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/trustedProxies/);
    expect(
      loadConfig({ DBAAS_TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ,192.0.2.7' }).trustedProxies,
    ).toEqual(['10.0.0.0/8', '::1', '192.0.2.7']);
  });
});

/** The seed's limits, as a script meets them: 100 reads, 60 writes, 10 bulk lists a minute. */
describe('the default rate limits, for a script with a token and API keys', () => {
  let t: TestEngine;

  beforeAll(async () => {
    t = await startTestEngine({ env: { DBAAS_TRUSTED_PROXIES: '10.20.0.0/16' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses the 101st read, the 61st write and the 11th bulk list of a user, whichever credential it uses', async () => {
    const { accessToken } = await t.login('admin', TEST_ADMIN_PASSWORD);
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await t.requestAs<{ key: string }>(
        { token: accessToken },
        'POST',
        '/api/v1/api-keys',
        {
          name: `script-${i}`,
          role: 'viewer',
        },
      );
      expect(created.status).toBe(201);
      keys.push(created.body.key);
    }
    const callers = [{ token: accessToken }, ...keys.map((apiKey) => ({ apiKey }))];
    // The four key creations above were writes of the same user.
    const statuses = async (n: number, method: string, url: string) => {
      const seen: number[] = [];
      for (let i = 0; i < n; i++)
        seen.push((await t.requestAs(callers[i % callers.length]!, method, url)).status);
      return seen;
    };
    const reads = await statuses(105, 'GET', '/api/v1/auth/me');
    expect(reads.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(reads.slice(100).filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    const writes = await statuses(60, 'POST', '/api/v1/operations/nope/cancel');
    expect(writes.slice(0, 56).every((s) => s !== 429)).toBe(true);
    expect(writes.slice(57).every((s) => s === 429)).toBe(true);
    const bulk = await statuses(12, 'GET', '/api/v1/databases?limit=500');
    expect(bulk.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(bulk.slice(10)).toEqual([429, 429]);
    const refused = await t.requestAs({ token: accessToken }, 'GET', '/api/v1/databases?limit=500');
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('refuses a forged cursor with 400 naming cursor, and follows a signed one', async () => {
    const forged = await t.request<{ error: { details: { path: string }[] } }>(
      'GET',
      '/api/v1/audit?limit=500&cursor=WzAsIiJd',
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error.details[0]?.path).toBe('cursor');
    const first = await t.request<{ nextCursor: string }>('GET', '/api/v1/audit?limit=1');
    expect(first.body.nextCursor).toContain('.');
    const next = await t.request(
      'GET',
      `/api/v1/audit?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(next.status).toBe(200);
  });

  it('counts sign-ins behind a trusted proxy per client, from X-Forwarded-For', async () => {
    const login = (client: string, password: string) =>
      t.requestAs(
        { headers: { 'x-forwarded-for': client } },
        'POST',
        '/api/v1/auth/login',
        { username: 'admin', password },
        '10.20.0.1',
      );
    // The sign-in throttle locks this client out of the account after five failures...
    let refusedAt = 0;
    for (let i = 1; i <= 10 && refusedAt === 0; i++)
      if ((await login('198.51.100.7', 'not-the-password')).status === 429) refusedAt = i;
    expect(refusedAt).toBe(6);
    // ...and everyone else behind the proxy still signs in.
    expect((await login('198.51.100.8', TEST_ADMIN_PASSWORD)).status).toBe(200);
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
    expect(await redis.pttl(`${prefix}login:admin|10.8.0.1`)).toBeGreaterThan(0);
  });
});
