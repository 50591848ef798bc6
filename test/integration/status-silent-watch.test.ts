import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/** The silence bound of these tests, and the bound after which unconfirmed data reads UNKNOWN. */
const SILENCE_MS = 1_000;
const STALE_MS = 2_500;

/**
 * A path that keeps watches open but silent (a stalling proxy) does not leave the status blind:
 * after the silence bound the engine lists again and sees what changed; while those lists fail
 * too, the cluster's data is unconfirmed and its databases read UNKNOWN.
 */
describe('the status behind silent watches', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let database: Database;

  const read = async (): Promise<Database> =>
    (await t.request<Database>('GET', `/api/v1/databases/${database.id}`)).body;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({
      env: {
        DBAAS_FAILURE_THRESHOLD_MS: '300',
        DBAAS_WATCH_SILENCE_TIMEOUT_MS: String(SILENCE_MS),
        DBAAS_WATCH_STALE_AFTER_MS: String(STALE_MS),
      },
    });
    const provider = await t.engine.services.providers.create({
      name: 'stalling',
      kubeconfig: cluster.kubeconfig,
    });
    const result = await t.engine.services.databases.create({
      name: 'ledger',
      engine: 'postgres',
      version: '16.4',
      domain: 'acme',
      project: 'shop',
      storage: { size: '1Gi' },
      providerId: provider.id,
    });
    if (!('database' in result)) throw new Error('expected a database');
    database = result.database;
    await waitFor(async () => (await read()).status === 'RUNNING', 'the database to run', 30_000);
  }, 60_000);

  afterAll(async () => {
    cluster?.faults.reset();
    await t?.stop();
    await cluster?.stop();
  });

  it('notices a database going down within the silence bound while watches stay silent', async () => {
    cluster.faults.silentWatches(true);
    try {
      const started = Date.now();
      cluster.faults.downDatabase('Postgres', database.namespace, database.name);
      const down = await waitFor(
        async () => {
          const current = await read();
          return current.phase !== 'Ready' && current.status === 'FAILED' ? current : null;
        },
        'the engine to see the database down',
        15_000,
      );
      // A list after the silence bound (plus the failure threshold) finds it, not a resumed watch.
      expect(Date.now() - started).toBeLessThan(SILENCE_MS * 2 + 300 + 5_000);
      expect(down.statusReason).toBeTruthy();

      cluster.faults.recoverDatabase('Postgres', database.namespace, database.name);
      await waitFor(
        async () => (await read()).status === 'RUNNING',
        'the recovery to be seen, still through lists',
        15_000,
      );
    } finally {
      cluster.faults.silentWatches(false);
    }
  }, 40_000);

  it('reads UNKNOWN while the lists after a silent watch fail, and the status again after', async () => {
    cluster.faults.silentWatches(true);
    cluster.faults.setErrors({ rate: 1, statuses: [503], verbs: ['list'] });
    try {
      const unknown = await waitFor(
        async () => {
          const current = await read();
          return current.status === 'UNKNOWN' ? current : null;
        },
        'the data to become unconfirmed',
        STALE_MS + 10_000,
      );
      expect(unknown.lastKnownStatus).toBe('RUNNING');
      expect(unknown.statusObservedAt).toBeTruthy();
      expect(unknown.statusReason).toContain('watches of cluster stalling');
      const provider = await t.engine.services.providers.get(database.providerId);
      expect(provider.health.reachable).toBe(true);
      expect(provider.health.unconfirmed?.reason).toContain('confirmed nothing');
    } finally {
      cluster.faults.setErrors(null);
      cluster.faults.silentWatches(false);
    }
    await waitFor(
      async () => (await read()).status === 'RUNNING',
      'the data to be confirmed again',
      15_000,
    );
    const provider = await t.engine.services.providers.get(database.providerId);
    expect(provider.health.unconfirmed ?? null).toBeNull();
  }, 40_000);
});
