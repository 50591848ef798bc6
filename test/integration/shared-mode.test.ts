import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type TestEngine,
} from '../helpers/engine';
import { testRedisUrl } from '../helpers/redis';

/** Shared mode (REDIS_URL): BullMQ queue, Redis leadership, and the status cache in Redis. */
describe('an engine in shared mode', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let redis: Redis;
  const prefix = `shared${Date.now()}`;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({
      env: {
        REDIS_URL: testRedisUrl(),
        DBAAS_REDIS_PREFIX: prefix,
        DBAAS_RATE_LIMIT_READS_PER_MINUTE: '3',
      },
    });
    redis = new Redis(testRedisUrl());
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await t?.stop();
    await cluster?.stop();
  });

  it('leads, runs operations through BullMQ and caches the latest status in Redis', async () => {
    await waitFor(() => t.engine.leadership.role === 'leader', 'the engine to lead');
    const provider = await t.engine.services.providers.create({
      name: 'shared',
      kubeconfig: cluster.kubeconfig,
    });
    const result = await t.engine.services.databases.create({
      name: 'shared-pg',
      engine: 'postgres',
      version: '16.4',
      domain: 'acme',
      project: 'shared',
      storage: { size: '1Gi' },
      providerId: provider.id,
    });
    if (!('database' in result)) throw new Error('expected a database');
    const id = result.database.id;
    await waitFor(
      async () => (await t.engine.services.databases.get(id)).status === 'RUNNING',
      'the database to run',
    );
    const cached = await waitFor(async () => {
      const value = await redis.hget(`${prefix}:status`, id);
      const parsed = value ? (JSON.parse(value) as { status: string; phase: string }) : null;
      return parsed?.status === 'RUNNING' ? parsed : null;
    }, 'the status cache to hold RUNNING');
    expect(cached.phase).toBe('Ready');
    expect(await redis.get(`${prefix}:leader:lease`)).toBeTruthy();
  }, 60_000);

  it('keeps the rate limits as token buckets in Redis', async () => {
    const { accessToken } = await t.login('admin', TEST_ADMIN_PASSWORD);
    const read = () => t.requestAs({ token: accessToken }, 'GET', '/api/v1/auth/me');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await read()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const keys = await redis.keys(`${prefix}:ratelimit:read:user:*`);
    expect(keys).toHaveLength(1);
    expect(await redis.hget(keys[0]!, 'tokens')).not.toBeNull();
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
  });
});
