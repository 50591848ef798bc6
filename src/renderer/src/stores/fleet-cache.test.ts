import { describe, expect, it } from 'vitest';
import { sampleDatabase, sampleOperation } from '../testing/fixtures';
import { loadSnapshot, saveSnapshot, type SnapshotStorage } from './fleet-cache';

function quotaStorage(maxChars: number): SnapshotStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => {
      if (v.length > maxChars) throw new DOMException('quota', 'QuotaExceededError');
      data.set(k, v);
    },
    removeItem: (k) => void data.delete(k),
  };
}

describe('the fleet snapshot', () => {
  it('keeps what the list views need and reads it back', () => {
    const storage = quotaStorage(5_000_000);
    const db = sampleDatabase({
      conditions: [{ type: 'Ready', status: 'True' }],
      drift: [{ path: 'replicas', desired: 3, live: 5 }],
    });
    expect(
      saveSnapshot(storage, {
        savedAt: 5,
        databases: [db],
        providers: [],
        operations: [sampleOperation()],
      }),
    ).toBe(1);
    const back = loadSnapshot(storage);
    expect(back?.savedAt).toBe(5);
    expect(back?.databases[0]).toEqual({ ...db, conditions: [] });
    expect(back?.operations).toHaveLength(1);
  });

  it('fits ten thousand databases in about 5 million characters, or keeps as many as fit', () => {
    const databases = Array.from({ length: 10_000 }, (_, i) =>
      sampleDatabase({ id: `id-${i}`, name: `db-${i}` }),
    );
    const storage = quotaStorage(5_000_000);
    expect(saveSnapshot(storage, { savedAt: 1, databases, providers: [], operations: [] })).toBe(
      10_000,
    );
    const small = quotaStorage(1_000_000);
    const kept = saveSnapshot(small, { savedAt: 1, databases, providers: [], operations: [] });
    expect(kept).toBeGreaterThan(1000);
    expect(kept).toBeLessThan(10_000);
    expect(loadSnapshot(small)?.databases).toHaveLength(kept);
  });

  it('ignores a snapshot it cannot read', () => {
    const storage = quotaStorage(100);
    storage.setItem('dbaas.fleetSnapshot.v2', '{not json');
    expect(loadSnapshot(storage)).toBeNull();
  });
});
