import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * The engine converges on an unreliable cluster: 5% of requests fail with 5xx and 429, watches are
 * dropped every second and the next reconnect gets 410 Gone — and a database that stayed Ready is
 * never reported FAILED.
 */
describe('the loops on an unreliable cluster', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  const ids: string[] = [];
  const statuses = new Map<string, Set<string>>();

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: { DBAAS_FAILURE_THRESHOLD_MS: '300' } });
    t.engine.services.events.subscribe((event) => {
      if (event.type !== 'database.status') return;
      const seen = statuses.get(event.data.id) ?? new Set<string>();
      seen.add(`${event.data.status}/${event.data.phase}`);
      statuses.set(event.data.id, seen);
    });
    const provider = await t.engine.services.providers.create({
      name: 'flaky',
      kubeconfig: cluster.kubeconfig,
    });
    for (const [i, engine] of (['postgres', 'redis', 'mongodb'] as const).entries()) {
      const version = { postgres: '16.4', redis: '7.4.6', mongodb: '7.0.8' }[engine];
      const result = await t.engine.services.databases.create({
        name: `flaky-${i}`,
        engine,
        version,
        ...(engine === 'postgres' ? { mode: 'cluster', replicas: 2 } : {}),
        domain: 'acme',
        project: 'flaky',
        storage: { size: '1Gi' },
        providerId: provider.id,
      });
      if ('database' in result) ids.push(result.database.id);
    }
    for (const id of ids) {
      await waitFor(
        async () => (await t.engine.services.databases.get(id)).status === 'RUNNING',
        `${id} to run`,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('converges with 5xx, 429, dropped watches and a 410, and never reports FAILED', async () => {
    cluster.faults.setErrors({ rate: 0.05, statuses: [500, 503, 429], retryAfterSeconds: 1 });
    cluster.faults.dropWatchesEvery(1);
    cluster.faults.failNextWatchWithGone();
    try {
      // Changes made while the cluster misbehaves must still reach the store.
      const target = ids[0]!;
      const database = await t.engine.services.databases.get(target);
      const change = await t.engine.services.databaseChanges.patch(target, { replicas: 3 });
      if (!('operation' in change)) throw new Error('expected an operation');
      const done = await waitFor(
        async () => {
          const operation = await t.engine.services.operations.get(change.operation.id);
          return ['SUCCEEDED', 'FAILED'].includes(operation.status) ? operation : null;
        },
        'the scale operation to finish',
        60_000,
      );
      expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
      const converged: Database = await waitFor(
        async () => {
          const current = await t.engine.services.databases.get(target);
          return current.status === 'RUNNING' &&
            current.readyReplicas === 3 &&
            current.drift.length === 0
            ? current
            : null;
        },
        'the status to converge',
        60_000,
      );
      expect(converged.replicas).toBe(3);
      expect(database.replicas).toBe(2);

      // A deletion made on the cluster while watches drop is noticed too (re-list after 410).
      cluster.faults.failNextWatchWithGone();
      const other = await t.engine.services.databases.get(ids[1]!);
      cluster.state.delete('kubedb.com/v1', 'Redis', other.namespace, other.name, {
        skipAdmission: true,
      });
      const gone = await waitFor(
        async () => {
          const current = await t.engine.services.databases.get(other.id);
          return current.statusReason?.includes('missing') ? current : null;
        },
        'the vanished database to be noticed',
        60_000,
      );
      expect(gone.status).toBe('FAILED');
    } finally {
      cluster.faults.reset();
    }
    // The databases that stayed Ready were never shown FAILED.
    for (const id of [ids[0]!, ids[2]!]) {
      expect([...(statuses.get(id) ?? [])].filter((s) => s.startsWith('FAILED'))).toEqual([]);
    }
  }, 120_000);
});
