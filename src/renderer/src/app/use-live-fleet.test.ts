// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api';
import { createFleetStore } from '../stores/fleet-store';
import { fakeClient, sampleDatabase } from '../testing/fixtures';
import { createRereadBatcher } from './use-live-fleet';

const idsOf = (url: string): string[] =>
  decodeURIComponent(new URL(url, 'http://x').searchParams.get('ids') ?? '').split(',');

describe('re-reading changed databases', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('re-reads 200 databases created within a minute in a few batched requests', async () => {
    const store = createFleetStore(null);
    const client = fakeClient(({ url }) => ({
      items: idsOf(url).map((id) => sampleDatabase({ id, name: id })),
      nextCursor: null,
    }));
    const batcher = createRereadBatcher(client, store);
    // One new database every 300 ms for a minute.
    for (let i = 0; i < 200; i++) {
      batcher.add(`db-${i}`);
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(5_000);
    batcher.stop();
    expect(store.getState().databases.size).toBe(200);
    expect(client.calls.length).toBeLessThanOrEqual(22);
    expect(client.calls.every((c) => c.url.startsWith('/api/v1/databases?limit=100&ids='))).toBe(
      true,
    );
  });

  it('forgets a database the batch no longer returns', async () => {
    const store = createFleetStore(null);
    store.getState().upsertDatabase(sampleDatabase({ id: 'gone', name: 'gone' }));
    const client = fakeClient(() => ({ items: [], nextCursor: null }));
    const batcher = createRereadBatcher(client, store);
    batcher.add('gone');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.getState().databases.has('gone')).toBe(false);
    batcher.stop();
  });

  it('keeps refused ids and asks again later, then shows the error instead of dropping them', async () => {
    const store = createFleetStore(null);
    let refusals = 1;
    const client = fakeClient(({ url }) => {
      if (refusals-- > 0)
        throw new ApiError(429, 'RATE_LIMITED', 'too many read requests; try again in 5 s');
      return { items: idsOf(url).map((id) => sampleDatabase({ id, name: id })), nextCursor: null };
    });
    const batcher = createRereadBatcher(client, store);
    batcher.add('late');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.getState().databases.has('late')).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.getState().databases.has('late')).toBe(true);
    expect(client.calls).toHaveLength(2);

    refusals = 100;
    batcher.add('never');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(store.getState().loadError?.message).toContain('try again in');
    const tries = client.calls.length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(client.calls.length).toBe(tries);
    batcher.stop();
  });
});
