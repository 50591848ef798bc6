import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisForSuite } from '../../test/helpers/redis-suite';
import { LoginThrottle } from '../services/auth';
import { RedisLoginThrottle } from './redis-login-throttle';

describe('the login throttle on Redis', () => {
  const { client, prefix } = redisForSuite('login:');

  it('counts failures of every replica together, locks at the fifth and clears on success', async () => {
    let now = Date.now();
    const replicas = [0, 1, 2].map(
      () => new RedisLoginThrottle({ client: client(), prefix, now: () => now }),
    );
    const key = LoginThrottle.key('admin', '10.0.0.7');
    const delays = [];
    for (let i = 0; i < 4; i++) delays.push(await replicas[i % 3]!.failure(key));
    expect(delays).toEqual([0, 100, 200, 400]);
    expect(await replicas[2]!.lockedFor(key)).toBe(0);
    await replicas[1]!.failure(key);
    for (const replica of replicas) expect(await replica.lockedFor(key)).toBe(15 * 60_000);
    // Neither the user name nor the address is in the key.
    const keys = await client().keys(`${prefix}*`);
    expect(keys.join(' ')).not.toMatch(/admin|10\.0\.0\.7/);
    // The hash lives a lock's length after the last failure, no longer.
    expect(await client().pttl(keys[0]!)).toBeGreaterThan(14 * 60_000);
    now += 15 * 60_000;
    expect(await replicas[0]!.lockedFor(key)).toBe(0);

    const other = LoginThrottle.key('alice', '10.0.0.7');
    await replicas[0]!.failure(other);
    await replicas[1]!.failure(other);
    await replicas[2]!.success(other);
    expect(await replicas[0]!.failure(other)).toBe(0); // counting starts again
  });

  it('counts on the replica itself while Redis does not answer, and says so', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const errors: unknown[] = [];
    const throttle = new RedisLoginThrottle({
      client: dead,
      prefix,
      maxFailures: 2,
      onError: (error) => errors.push(error),
    });
    const key = LoginThrottle.key('bob', null);
    await throttle.failure(key);
    await throttle.failure(key);
    expect(await throttle.lockedFor(key)).toBeGreaterThan(0);
    expect(errors.length).toBe(3);
    dead.disconnect();
  });
});
