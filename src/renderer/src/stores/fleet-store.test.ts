// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api';
import { fakeClient, sampleDatabase, sampleOperation } from '../testing/fixtures';
import { createFleetStore } from './fleet-store';

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('the fleet store', () => {
  it('loads every page of databases and shows the first page before the last arrives', async () => {
    const seenSizes: number[] = [];
    const store = createFleetStore(memoryStorage());
    store.subscribe((s) => seenSizes.push(s.databases.size));
    const client = fakeClient(({ url }) => {
      const second = url.includes('cursor=');
      const items = Array.from({ length: second ? 2 : 100 }, (_, i) =>
        sampleDatabase({ name: `db-${second ? 100 + i : i}` }),
      );
      return { items, nextCursor: second ? null : 'next' };
    });
    await store.getState().loadDatabases(client);
    expect(client.calls.map((c) => c.url)).toEqual([
      '/api/v1/databases?limit=100',
      '/api/v1/databases?limit=500&cursor=next',
    ]);
    expect(store.getState().databases.size).toBe(102);
    expect(seenSizes).toContain(100);
    expect(store.getState().databasesPaging).toBe(false);
  });

  it('asks again after a 429 instead of giving up on the rest of the fleet', async () => {
    vi.useFakeTimers();
    try {
      const store = createFleetStore(null);
      let throttled = false;
      const client = fakeClient(({ url }) => {
        if (!url.includes('cursor='))
          return { items: [sampleDatabase({ name: 'a' })], nextCursor: 'next' };
        if (!throttled) {
          throttled = true;
          throw new ApiError(429, 'RATE_LIMITED', 'too many bulk requests');
        }
        return { items: [sampleDatabase({ name: 'b' })], nextCursor: null };
      });
      const loading = store.getState().loadDatabases(client);
      await vi.advanceTimersByTimeAsync(5000);
      await loading;
      expect(store.getState().databases.size).toBe(2);
      expect(store.getState().loadError).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('applies status events to the database they name and feeds the event list', () => {
    const store = createFleetStore(null);
    store.getState().upsertDatabase(sampleDatabase());
    const result = store.getState().applyEvent({
      type: 'database.status',
      data: {
        id: 'id-orders',
        name: 'orders',
        domain: 'acme',
        project: 'shop',
        providerId: 'p1',
        status: 'FAILED',
        phase: 'Critical',
        readyReplicas: 1,
        statusReason: 'pods crash',
        driftCount: 0,
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    });
    expect(result).toEqual({});
    expect(store.getState().databases.get('id-orders')).toMatchObject({
      status: 'FAILED',
      phase: 'Critical',
      statusReason: 'pods crash',
    });
    expect(store.getState().feed[0]?.text).toBe('orders is FAILED');
  });

  it('asks for a re-read when an event names an unknown database or changes its drift', () => {
    const store = createFleetStore(null);
    store.getState().upsertDatabase(sampleDatabase());
    const event = (id: string, driftCount: number) => ({
      type: 'database.status',
      data: {
        id,
        name: 'x',
        domain: 'acme',
        project: 'shop',
        providerId: 'p1',
        status: 'RUNNING',
        phase: 'Ready',
        readyReplicas: 3,
        statusReason: null,
        driftCount,
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    });
    expect(store.getState().applyEvent(event('unknown', 0))).toEqual({ refresh: 'unknown' });
    expect(store.getState().applyEvent(event('id-orders', 1))).toEqual({ refresh: 'id-orders' });
  });

  it('reports an operation once, when an event finishes it', () => {
    const store = createFleetStore(null);
    store.getState().upsertOperation(sampleOperation());
    const progress = (status: string, progress: number) => ({
      type: 'operation.progress',
      data: {
        id: 'op-1',
        databaseId: 'id-orders',
        type: 'scale-horizontal',
        status,
        progress,
        step: 'wait',
        error: null,
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    });
    expect(store.getState().applyEvent(progress('RUNNING', 70)).finished).toBeUndefined();
    expect(store.getState().operations.get('op-1')?.progress).toBe(70);
    expect(store.getState().applyEvent(progress('SUCCEEDED', 100)).finished?.status).toBe(
      'SUCCEEDED',
    );
    expect(store.getState().applyEvent(progress('SUCCEEDED', 100)).finished).toBeUndefined();
  });

  it('marks itself offline when the API cannot be reached, and keeps the last known data', async () => {
    const storage = memoryStorage();
    const first = createFleetStore(storage);
    await first
      .getState()
      .loadDatabases(fakeClient(() => ({ items: [sampleDatabase()], nextCursor: null })));
    expect(first.getState().online).toBe(true);
    first.getState().persist();

    const second = createFleetStore(storage);
    second.getState().restore();
    expect(second.getState().databases.get('id-orders')?.name).toBe('orders');
    await second.getState().loadDatabases(
      fakeClient(() => {
        throw new TypeError('Failed to fetch');
      }),
    );
    expect(second.getState().online).toBe(false);
    expect(second.getState().databases.size).toBe(1);
    expect(second.getState().syncedAt).not.toBeNull();
  });

  it('stays online when the API answers with an error', async () => {
    const store = createFleetStore(null);
    await store.getState().loadDatabases(
      fakeClient(() => {
        throw new ApiError(403, 'FORBIDDEN', 'no');
      }),
    );
    expect(store.getState().online).toBe(true);
    expect(store.getState().loadError?.message).toBe('no');
  });
});
