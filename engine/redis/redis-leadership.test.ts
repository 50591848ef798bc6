import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/helpers/redis';
import { FakeClock } from '../base/fake-clock';
import { NotLeaderError, type Role } from '../loops/leadership';
import { createRedisConnections, type RedisConnections } from './connection';
import { RedisLeadership } from './redis-leadership';

let redis: RedisConnections;
const leaderships: RedisLeadership[] = [];
afterEach(async () => {
  for (const leadership of leaderships.splice(0)) await leadership.dispose();
  const admin = redis.open('cleanup');
  const keys = await admin.keys(`${redis.prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await redis.dispose();
});

function instance(id: string, clock: FakeClock): RedisLeadership {
  const leadership = new RedisLeadership({
    redis: redis.open(id, { offlineQueue: false }),
    prefix: redis.prefix,
    instanceId: id,
    leaseMs: 3_000,
    clock,
  });
  leaderships.push(leadership);
  return leadership;
}

describe('RedisLeadership', () => {
  it('lets one instance lead and fences the other, and hands over when the leader leaves', async () => {
    redis = createRedisConnections({
      url: testRedisUrl(),
      prefix: `lead-${randomUUID().slice(0, 8)}`,
    });
    const clock = new FakeClock();
    const one = instance('one', clock);
    const two = instance('two', clock);
    await one.start();
    await two.start();
    expect([one.role, two.role]).toEqual(['leader', 'follower']);
    await expect(one.fence()).resolves.toBeUndefined();
    await expect(two.fence()).rejects.toBeInstanceOf(NotLeaderError);
    const firstToken = one.token!;

    const roles: Role[] = [];
    two.onChange((role) => roles.push(role));
    await one.dispose();
    // The follower looks again at its next step (at most a second later) and takes the free lease.
    await clock.advance(1_000);
    await clock.settle();
    expect(two.role).toBe('leader');
    expect(roles).toEqual(['leader']);
    expect(two.token).toBeGreaterThan(firstToken);
  });

  it('steps down at the fence once another instance has taken the lease', async () => {
    redis = createRedisConnections({
      url: testRedisUrl(),
      prefix: `lead-${randomUUID().slice(0, 8)}`,
    });
    const clock = new FakeClock();
    const one = instance('one', clock);
    await one.start();
    expect(one.role).toBe('leader');
    // As if this instance had been paused past its lease and another took over meanwhile.
    const admin = redis.open('admin');
    await admin.set(redis.key('leader', 'lease'), 'other', 'PX', 60_000);
    await admin.incr(redis.key('leader', 'token'));
    await expect(one.fence()).rejects.toThrow(/lost its lease/);
    expect(one.role).toBe('follower');
    expect(one.token).toBeNull();
  });

  it('renews a held lease on the clock, a quarter of the lease at a time', async () => {
    redis = createRedisConnections({
      url: testRedisUrl(),
      prefix: `lead-${randomUUID().slice(0, 8)}`,
    });
    const clock = new FakeClock();
    const one = instance('one', clock);
    await one.start();
    expect(clock.nextDueAt()).toBe(750);
    const admin = redis.open('admin');
    await admin.pexpire(redis.key('leader', 'lease'), 500);
    await clock.advance(750);
    await clock.settle();
    expect(await admin.pttl(redis.key('leader', 'lease'))).toBeGreaterThan(1_000);
    expect(one.role).toBe('leader');
  });
});
