import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../../test/helpers/engine';
import { openLoopHarness, type LoopHarness } from '../../test/helpers/loops';
import { Emitter } from '../base/emitter';
import { ClusterClient } from '../kube';
import { createLoops, type Leadership, type Loops, type Role } from './index';

/** A leadership the test hands over and takes back (the port's fake; Redis has its own tests). */
class SwitchableLeadership implements Leadership {
  role: Role = 'follower';
  token: number | null = null;
  private readonly changes = new Emitter<Role>();
  start = async (): Promise<void> => undefined;
  fence = async (): Promise<void> => undefined;
  onChange = (listener: (role: Role) => void) => this.changes.on(listener);
  dispose = (): void => undefined;
  become(role: Role): void {
    this.role = role;
    this.token = role === 'leader' ? (this.token ?? 0) + 1 : null;
    this.changes.emit(role);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function arrange(): Promise<{
  h: LoopHarness;
  sim: SimCluster;
  loops: Loops;
  leadership: SwitchableLeadership;
}> {
  const [sim] = (await startClusters(1, 400)) as [SimCluster];
  cleanups.push(() => sim.stop());
  const client = new ClusterClient(sim.kubeconfig, 'sim-1');
  const h = await openLoopHarness({ clientFor: async () => client });
  cleanups.push(() => h.close());
  const services = await h.services();
  const leadership = new SwitchableLeadership();
  const loops = createLoops({
    context: h.context,
    services,
    queue: h.queue!,
    leadership,
    options: {
      workers: 2,
      maxAttempts: 3,
      reconcileIntervalMs: 300_000,
      metricsIntervalMs: 30_000,
      statusSync: { failureThresholdMs: 120_000 },
    },
  });
  cleanups.push(async () => {
    await loops.dispose();
  });
  return { h, sim, loops, leadership };
}

describe('createLoops', () => {
  it('runs nothing while following, starts when it leads, and stops as soon as it follows again', async () => {
    const { h, loops, leadership } = await arrange();
    const provider = await h.store.providers.create(h.fixtures.provider());
    const database = await h.store.databases.create(h.fixtures.database());
    const failed = () =>
      h.events.publish({
        type: 'operation.progress',
        data: {
          id: h.fixtures.id('op'),
          databaseId: database.id,
          type: 'restart',
          status: 'FAILED',
          progress: 100,
          step: null,
          error: null,
          updatedAt: new Date(h.clock.now()).toISOString(),
        },
      });
    const alerts = async () => (await (await h.services()).alerts.list({})).items.length;
    await loops.start();
    expect(loops.running).toBe(false);
    expect(loops.syncOf(provider.id)).toBeUndefined();
    expect(loops.drills.started).toBe(false);
    // A follower evaluates no alert: the event passes it by.
    failed();
    expect(loops.alerts.running).toBe(false);
    await loops.alerts.idle();
    expect(await alerts()).toBe(0);

    leadership.become('leader');
    await waitFor(() => loops.syncOf(provider.id), 'the provider’s status sync to start');
    expect(loops.running).toBe(true);
    expect(loops.drills.started).toBe(true);
    await waitFor(() => loops.alerts.running, 'the alert evaluator to start');
    failed();
    await waitFor(async () => (await alerts()) === 1, 'the leader to raise the alert');

    leadership.become('follower');
    await waitFor(() => !loops.running && !loops.syncOf(provider.id), 'the loops to stop');
    expect(loops.drills.started).toBe(false);
    expect(loops.alerts.running).toBe(false);
  });

  it('runs a submitted operation to the end while leading', async () => {
    const { h, loops, leadership } = await arrange();
    const services = await h.services();
    const provider = await h.store.providers.create(h.fixtures.provider());
    leadership.become('leader');
    await loops.start();
    const database = await h.store.databases.create(
      h.fixtures.database({ providerId: provider.id, status: 'PENDING', phase: '', replicas: 1 }),
    );
    const operation = await services.operations.submit(database, 'create', {}, 'test');
    const settled = await waitFor(async () => {
      const current = await h.store.operations.get(operation.id);
      return current.status === 'SUCCEEDED' || current.status === 'FAILED' ? current : null;
    }, 'the operation to settle');
    expect(settled.status).toBe('SUCCEEDED');
    await waitFor(
      async () => (await h.store.databases.get(database.id)).status === 'RUNNING',
      'the status sync to show the database running',
    );
  });

  it('follows the registry: a cluster added later gets a status sync, a removed one loses it', async () => {
    const { h, loops, leadership } = await arrange();
    leadership.become('leader');
    await loops.start();
    await waitFor(() => loops.running, 'the loops to run');
    const provider = await h.store.providers.create(h.fixtures.provider());
    expect(loops.syncOf(provider.id)).toBeUndefined();
    await loops.refreshProviders();
    expect(loops.syncOf(provider.id)).toBeDefined();
    await h.store.providers.delete(provider.id);
    await loops.refreshProviders();
    expect(loops.syncOf(provider.id)).toBeUndefined();
  });
});
