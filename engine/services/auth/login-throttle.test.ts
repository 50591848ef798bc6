import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle';

describe('the login throttle', () => {
  it('slows down from the second failure, locks at the fifth, and forgets after the lock', () => {
    let now = 0;
    const throttle = new LoginThrottle({ now: () => now });
    const key = LoginThrottle.key('Admin', '10.0.0.1');
    expect(key).toBe(LoginThrottle.key('admin', '10.0.0.1'));
    expect([1, 2, 3, 4].map(() => throttle.failure(key))).toEqual([0, 100, 200, 400]);
    expect(throttle.lockedFor(key)).toBe(0);
    throttle.failure(key);
    expect(throttle.lockedFor(key)).toBe(15 * 60_000);
    now += 15 * 60_000;
    expect(throttle.lockedFor(key)).toBe(0);
    expect(throttle.failure(key)).toBe(0);
  });

  it('clears on success and keeps pairs apart', () => {
    const throttle = new LoginThrottle({ maxFailures: 2 });
    throttle.failure('a|1');
    throttle.success('a|1');
    throttle.failure('a|1');
    expect(throttle.lockedFor('a|1')).toBe(0);
    throttle.failure('a|1');
    expect(throttle.lockedFor('a|1')).toBeGreaterThan(0);
    expect(throttle.lockedFor('a|2')).toBe(0);
  });

  it('remembers a bounded number of pairs', () => {
    const throttle = new LoginThrottle({ maxFailures: 1, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) throttle.failure(key);
    expect(throttle.lockedFor('a')).toBe(0);
    expect(throttle.lockedFor('d')).toBeGreaterThan(0);
  });
});
