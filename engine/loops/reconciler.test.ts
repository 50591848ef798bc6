import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLoopHarness, type LoopHarness } from '../../test/helpers/loops';
import type { Database } from '../domain';
import { Reconciler } from './reconciler';

let h: LoopHarness;
let reconciler: Reconciler;
const INTERVAL_MS = 300_000;

beforeEach(async () => {
  h = await openLoopHarness();
  reconciler = new Reconciler(h.context, (await h.services()).operations, {
    intervalMs: INTERVAL_MS,
  });
});
afterEach(async () => {
  reconciler.dispose();
  await h.close();
});

const REPLICA_DRIFT = [{ path: 'replicas', desired: 3, live: 1 }];

async function drifted(overrides: Partial<Database> = {}): Promise<Database> {
  return h.store.databases.create(h.fixtures.database({ drift: REPLICA_DRIFT, ...overrides }));
}

async function operationsOf(databaseId: string) {
  return (await h.store.operations.list({ databaseId }, { limit: 50 })).items;
}

describe('Reconciler', () => {
  it('turns recorded drift into one repair-drift operation with the steps that undo it', async () => {
    const database = await drifted();
    reconciler.notify(database);
    reconciler.notify(database);
    await reconciler.idle();
    const operations = await operationsOf(database.id);
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({
      type: 'repair-drift',
      status: 'QUEUED',
      requestedBy: 'system',
      params: { steps: [{ type: 'scale-horizontal', params: { replicas: 3 } }] },
    });
    expect(h.fences).toBe(1);
  });

  it('never acts while an operation of the database is queued or running, nor on a database in flux', async () => {
    const busy = await drifted();
    await h.store.operations.create(
      h.fixtures.operation({ databaseId: busy.id, type: 'scale-vertical', status: 'RUNNING' }),
    );
    const provisioning = await drifted({ status: 'PROVISIONING' });
    const active = await drifted({ activeOperationId: 'op-elsewhere' });
    for (const database of [busy, provisioning, active]) reconciler.notify(database);
    await reconciler.idle();
    expect((await operationsOf(busy.id)).map((op) => op.type)).toEqual(['scale-vertical']);
    expect(await operationsOf(provisioning.id)).toEqual([]);
    expect(await operationsOf(active.id)).toEqual([]);
  });

  it('sweeps every drifted database on its interval', async () => {
    const clean = await h.store.databases.create(h.fixtures.database());
    const database = await drifted();
    reconciler.start();
    await h.clock.advance(INTERVAL_MS - 1);
    await reconciler.idle();
    expect(await operationsOf(database.id)).toEqual([]);
    await h.clock.advance(1);
    await h.clock.settle();
    await reconciler.idle();
    expect(await operationsOf(database.id)).toHaveLength(1);
    expect(await operationsOf(clean.id)).toEqual([]);
  });

  it('records a failed repair as refused once and does not try it again until the values change', async () => {
    const database = await drifted();
    const failed = await h.store.operations.create(
      h.fixtures.operation({
        databaseId: database.id,
        type: 'repair-drift',
        status: 'FAILED',
        error: { code: 'UNPROCESSABLE', message: 'the webhook refused it' },
        params: { drift: REPLICA_DRIFT },
      }),
    );
    await reconciler.repairFailed(failed);
    const refused = await h.store.databases.get(database.id);
    expect(refused.drift[0]?.refused?.reason).toBe('the webhook refused it');
    reconciler.notify(refused);
    await reconciler.idle();
    expect((await operationsOf(database.id)).map((op) => op.id)).toEqual([failed.id]);
    // The live value moved: a new difference, tried again.
    const moved = await h.store.databases.update({
      ...refused,
      drift: [{ path: 'replicas', desired: 3, live: 2 }],
    });
    reconciler.notify(moved);
    await reconciler.idle();
    expect(await operationsOf(database.id)).toHaveLength(2);
  });
});
