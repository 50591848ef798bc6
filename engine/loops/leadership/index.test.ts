import { describe, expect, it } from 'vitest';
import { isRetryableAttempt } from '../retry-policy';
import { createEmbeddedLeadership, NotLeaderError } from './index';

describe('embedded leadership', () => {
  it('always leads with one token, and its fence never refuses', async () => {
    const leadership = createEmbeddedLeadership();
    await leadership.start();
    const roles: string[] = [];
    const subscription = leadership.onChange((role) => roles.push(role));
    expect(leadership.role).toBe('leader');
    expect(leadership.token).toBe(1);
    await expect(leadership.fence()).resolves.toBeUndefined();
    await subscription.dispose();
    await leadership.dispose();
    expect(roles).toEqual([]);
  });
});

describe('NotLeaderError', () => {
  it('is an unavailable, retryable refusal, so an operation is handed to the next leader', () => {
    const error = new NotLeaderError();
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.terminal).toBe(false);
    expect(isRetryableAttempt(error)).toBe(true);
    expect(new NotLeaderError('lost the lease').message).toBe('lost the lease');
  });
});
