import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/helpers/redis';
import { EventBus } from '../services/events';
import { createRedisConnections, type RedisConnections } from './connection';
import { RedisStatusCache } from './redis-status-cache';

let redis: RedisConnections | undefined;
afterEach(async () => {
  await redis?.dispose();
});

const status = (id: string, value: 'RUNNING' | 'FAILED') => ({
  type: 'database.status' as const,
  data: {
    id,
    name: 'pg',
    domain: 'acme',
    project: 'shop',
    providerId: 'prov-1',
    status: value,
    phase: value === 'RUNNING' ? 'Ready' : 'Critical',
    readyReplicas: 1,
    statusReason: null,
    driftCount: 0,
    updatedAt: '2026-06-01T00:00:00.000Z',
  },
});

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('RedisStatusCache', () => {
  it('keeps the latest database.status of each database in one hash under the prefix', async () => {
    redis = createRedisConnections({
      url: testRedisUrl(),
      prefix: `sc-${randomUUID().slice(0, 8)}`,
    });
    const events = new EventBus();
    const cache = new RedisStatusCache({
      redis: redis.open('status'),
      prefix: redis.prefix,
      events,
    });
    events.publish(status('db-1', 'RUNNING'));
    events.publish(status('db-1', 'FAILED'));
    events.publish({
      type: 'provider.health',
      data: { id: 'prov-1', health: { reachable: false } },
    } as never);
    const latest = await until(
      () => cache.get('db-1'),
      (value) => value?.status === 'FAILED',
    );
    expect(latest).toMatchObject({ id: 'db-1', status: 'FAILED', phase: 'Critical' });
    const admin = redis.open('admin');
    expect(await admin.hkeys(redis.key('status'))).toEqual(['db-1']);
    expect(await cache.get('db-unknown')).toBeNull();
    await cache.dispose();
    expect(events.subscribers).toBe(0);
    await admin.del(redis.key('status'));
  });
});
