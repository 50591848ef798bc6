import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../base/errors';
import { DuplicateError, StaleRevisionError } from '../store';
import { openLoopHarness, type LoopHarness } from '../../test/helpers/loops';
import { isoAt, publishDatabase, publishOperation, updateWithRetry } from './context';

let h: LoopHarness;
beforeEach(async () => {
  h = await openLoopHarness();
});
afterEach(async () => {
  await h.close();
});

/** A repository whose first `failures` updates are refused with `error`, then the store's own. */
function refusing<T extends { id: string; revision: number }>(
  repository: { get(id: string): Promise<T>; update(record: T): Promise<T> },
  error: () => Error,
  failures: number,
) {
  let left = failures;
  const calls = { get: 0, update: 0 };
  return {
    calls,
    get: (id: string) => {
      calls.get++;
      return repository.get(id);
    },
    update: (record: T) => {
      calls.update++;
      if (left-- > 0) return Promise.reject(error());
      return repository.update(record);
    },
  };
}

describe('updateWithRetry', () => {
  it('re-reads and re-applies the change when another writer moved the revision in between', async () => {
    const stored = await h.store.databases.create(h.fixtures.database({ replicas: 3 }));
    let raced = false;
    const repo = {
      get: (id: string) => h.store.databases.get(id),
      update: async (record: typeof stored) => {
        if (!raced) {
          raced = true;
          // Someone else writes between our read and our write: the store refuses ours as stale.
          const fresh = await h.store.databases.get(record.id);
          await h.store.databases.update({ ...fresh, statusReason: 'other writer' });
        }
        return h.store.databases.update(record);
      },
    };
    const written = await updateWithRetry(repo, stored.id, (current) => ({
      ...current,
      replicas: current.replicas + 1,
    }));
    expect(written.replicas).toBe(4);
    expect(written.statusReason).toBe('other writer');
  });

  it('retries a stale revision by its type, a bounded number of times', async () => {
    const stored = await h.store.databases.create(h.fixtures.database());
    const repo = refusing(
      h.store.databases,
      () => new StaleRevisionError('database', stored.id, 1),
      10,
    );
    const error = await updateWithRetry(repo, stored.id, (db) => ({ ...db, replicas: 1 }), 3).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StaleRevisionError);
    expect(repo.calls.update).toBe(3);
  });

  it('does not retry a duplicate, though it is a conflict too', async () => {
    const stored = await h.store.databases.create(h.fixtures.database());
    const repo = refusing(
      h.store.databases,
      () => new DuplicateError('database', ['name'], 'acme/shop/x'),
      1,
    );
    await expect(
      updateWithRetry(repo, stored.id, (db) => ({ ...db, replicas: 1 })),
    ).rejects.toBeInstanceOf(DuplicateError);
    expect(repo.calls.update).toBe(1);
  });

  it('does not retry an error just because its code or message says conflict', async () => {
    const stored = await h.store.databases.create(h.fixtures.database());
    const repo = refusing(
      h.store.databases,
      () =>
        Object.assign(new Error('write conflict in the admission webhook'), { code: 'CONFLICT' }),
      1,
    );
    await expect(
      updateWithRetry(repo, stored.id, (db) => ({ ...db, replicas: 1 })),
    ).rejects.toThrow(/write conflict/);
    const other = refusing(
      h.store.databases,
      () => new EngineError('UNPROCESSABLE', 'spec conflicts with the policy'),
      1,
    );
    await expect(
      updateWithRetry(other, stored.id, (db) => ({ ...db, replicas: 1 })),
    ).rejects.toThrow(/conflicts with the policy/);
    expect(repo.calls.update + other.calls.update).toBe(2);
  });

  it('writes nothing when the change returns null', async () => {
    const stored = await h.store.databases.create(h.fixtures.database());
    const result = await updateWithRetry(h.store.databases, stored.id, () => null);
    expect(result.revision).toBe(stored.revision);
  });
});

describe('the loop context helpers', () => {
  it('writes the time of the injected clock', async () => {
    expect(isoAt(h.clock)).toBe('2026-06-01T00:00:00.000Z');
    await h.clock.advance(1_500);
    expect(isoAt(h.clock)).toBe('2026-06-01T00:00:01.500Z');
  });

  it('publishes a database status and an operation progress event for the console', () => {
    const database = h.fixtures.database({ drift: [{ path: 'replicas', desired: 3, live: 1 }] });
    const operation = h.fixtures.operation({ databaseId: database.id, progress: 40 });
    publishDatabase(h.context, database);
    publishOperation(h.context, operation, 'apply');
    expect(h.published).toEqual([
      {
        type: 'database.status',
        data: expect.objectContaining({
          id: database.id,
          status: 'RUNNING',
          driftCount: 1,
        }) as unknown,
      },
      {
        type: 'operation.progress',
        data: expect.objectContaining({ id: operation.id, progress: 40, step: 'apply' }) as unknown,
      },
    ]);
  });
});
