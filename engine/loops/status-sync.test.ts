import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../../test/helpers/engine';
import {
  openLoopHarness,
  startScriptedCluster,
  type LoopHarness,
  type ScriptedCluster,
} from '../../test/helpers/loops';
import type { Database } from '../domain';
import { ClusterClient, FIELD_MANAGER } from '../kube';
import { buildDesiredManifests } from '../kubedb/manifests';
import { specOf } from '../services/databases';
import { ProviderStatusSync } from './status-sync';

const THRESHOLD_MS = 120_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function arrange(client: ClusterClient) {
  const h: LoopHarness = await openLoopHarness({ clientFor: async () => client });
  cleanups.push(() => h.close());
  const provider = await h.store.providers.create(h.fixtures.provider());
  const changed: Database[] = [];
  const sync = new ProviderStatusSync(h.context, provider, client, {
    failureThresholdMs: THRESHOLD_MS,
    onChanged: (database) => changed.push(database),
  });
  cleanups.push(() => sync.dispose());
  return { h, provider, sync, changed };
}

async function simulated(): Promise<SimCluster> {
  const [sim] = (await startClusters(1, 400)) as [SimCluster];
  cleanups.push(() => sim.stop());
  return sim;
}

describe('ProviderStatusSync', () => {
  it('watches the six database kinds, their six OpsRequest kinds and KubeDB’s pods — nothing per database', async () => {
    const cluster: ScriptedCluster = await startScriptedCluster(() => ({
      status: 200,
      body: { kind: 'List', metadata: { resourceVersion: '1' }, items: [] },
    }));
    cleanups.push(() => cluster.stop());
    const { sync } = await arrange(cluster.client);
    sync.start();
    const lists = await waitFor(() => {
      const seen = cluster.requests.filter((r) => !r.includes('watch=true'));
      return seen.length >= 13 ? seen : null;
    }, 'the first list of every cache');
    const resources = lists.map((r) => decodeURIComponent(r.split(' ')[1]!.split('?')[0]!)).sort();
    expect(resources).toEqual(
      [
        '/api/v1/pods',
        ...['elasticsearches', 'mariadbs', 'mongodbs', 'mysqls', 'postgreses', 'redises'].map(
          (plural) => `/apis/kubedb.com/v1/${plural}`,
        ),
        ...[
          'elasticsearchopsrequests',
          'mariadbopsrequests',
          'mongodbopsrequests',
          'mysqlopsrequests',
          'postgresopsrequests',
          'redisopsrequests',
        ].map((plural) => `/apis/ops.kubedb.com/v1alpha1/${plural}`),
      ].sort(),
    );
    expect(lists.filter((r) => r.startsWith('GET /api/v1/pods')).join()).toContain(
      encodeURIComponent('app.kubernetes.io/managed-by=kubedb.com'),
    );
    await waitFor(() => sync.synced, 'the caches to sync');
  });

  it('writes what the cluster shows into the store and publishes it, only when it changed', async () => {
    const sim = await simulated();
    const client = new ClusterClient(sim.kubeconfig, 'sim-1');
    const { h, provider, sync, changed } = await arrange(client);
    const database = await h.store.databases.create(
      h.fixtures.database({
        providerId: provider.id,
        status: 'PROVISIONING',
        phase: '',
        readyReplicas: 0,
        endpoint: null,
        replicas: 1,
      }),
    );
    for (const manifest of buildDesiredManifests(specOf(database)))
      await client.apply(manifest, { fieldManager: FIELD_MANAGER, force: true });
    sync.start();
    const running = await waitFor(async () => {
      const current = await h.store.databases.get(database.id);
      return current.status === 'RUNNING' && current.readyReplicas === 1 ? current : null;
    }, 'the database to run');
    expect(running.phase).toBe('Ready');
    expect(running.endpoint).not.toBeNull();
    expect(running.lastSyncedAt).toBe(new Date(h.clock.now()).toISOString());
    expect(sync.databaseIdFor(database.namespace, database.name)).toBe(database.id);
    expect(h.published.some((e) => e.type === 'database.status' && e.data.id === database.id)).toBe(
      true,
    );
    expect(changed.at(-1)?.id).toBe(database.id);
    // A pass with nothing new writes nothing.
    const revision = running.revision;
    sync.enqueue(database.id);
    await sync.idle();
    expect((await h.store.databases.get(database.id)).revision).toBe(revision);
  });

  it('shows FAILED only once the failure has lasted the threshold on the clock', async () => {
    const sim = await simulated();
    const client = new ClusterClient(sim.kubeconfig, 'sim-1');
    const { h, provider, sync } = await arrange(client);
    const database = await h.store.databases.create(
      h.fixtures.database({
        providerId: provider.id,
        status: 'PROVISIONING',
        phase: '',
        readyReplicas: 0,
        endpoint: null,
        replicas: 1,
      }),
    );
    for (const manifest of buildDesiredManifests(specOf(database)))
      await client.apply(manifest, { fieldManager: FIELD_MANAGER, force: true });
    sync.start();
    await waitFor(
      async () => (await h.store.databases.get(database.id)).status === 'RUNNING',
      'the database to run',
    );
    sim.faults.downDatabase('Postgres', database.namespace, database.name);
    const failing = await waitFor(async () => {
      const current = await h.store.databases.get(database.id);
      return current.phase !== 'Ready' && current.statusReason ? current : null;
    }, 'the failure to be seen');
    // Seen, but not yet for long enough: still not FAILED.
    expect(failing.status).not.toBe('FAILED');
    await h.clock.advance(THRESHOLD_MS - 1_000);
    await sync.idle();
    expect((await h.store.databases.get(database.id)).status).not.toBe('FAILED');
    await h.clock.advance(1_000 + 10);
    const failed = await waitFor(async () => {
      const current = await h.store.databases.get(database.id);
      return current.status === 'FAILED' ? current : null;
    }, 'the database to show FAILED');
    expect(failed.statusReason).toBeTruthy();
    // A restart: a new sync of the same cluster keeps the confirmed failure, never RUNNING.
    await sync.dispose();
    const again = new ProviderStatusSync(h.context, provider, client, {
      failureThresholdMs: THRESHOLD_MS,
    });
    cleanups.push(() => again.dispose());
    again.start();
    await waitFor(() => again.synced, 'the new sync to list');
    again.enqueue(database.id);
    await again.idle();
    expect((await h.store.databases.get(database.id)).status).toBe('FAILED');
    expect(
      h.published.filter((e) => e.type === 'database.status' && e.data.id === database.id).at(-1),
    ).toMatchObject({ data: { status: 'FAILED' } });
  });
});
