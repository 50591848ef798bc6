/**
 * The watch cache against the simulated cluster over real HTTP, with the real CRDs, under the
 * simulator's faults: dropped, silent and expired watches, error rates, an unreachable server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../../test/helpers/engine';
import { buildDesiredManifests } from '../kubedb/manifests';
import { phaseOf, readyReplicasFromPods } from '../kubedb/status';
import type { KubeObject } from '../kubedb/types';
import { MANAGED_SELECTOR } from '../kubedb/types';
import { ClusterClient, FIELD_MANAGER } from './cluster-client';
import { KUBEDB_POD_SELECTOR } from '../kubedb/types';
import { toCachedDatabase, toCachedPod } from './watch/projections';
import {
  WatchCache,
  type CacheChange,
  type CacheEvent,
  type WatchCacheOptions,
} from './watch-cache';

const FAST_BACKOFF = { initialMs: 50, maxMs: 1_000, factor: 2, jitter: 0.5 };
const LABELS = { 'app.kubernetes.io/managed-by': 'kubedb-dbaas' };

let cluster: SimCluster;
const disposables: { dispose(): unknown }[] = [];

beforeEach(async () => {
  [cluster] = (await startClusters(1, 200)) as [SimCluster];
});

afterEach(async () => {
  for (const item of disposables.splice(0).reverse()) await item.dispose();
  await cluster.stop();
});

function secret(name: string, labels: Record<string, string> = LABELS): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', labels },
    data: { k: 'dg==' },
  };
}

function createSecret(name: string, labels?: Record<string, string>): void {
  cluster.state.create(secret(name, labels) as never, { skipAdmission: true });
}

function patchSecret(name: string, value: string): void {
  cluster.state.patch('v1', 'Secret', 'default', name, {
    data: { k: Buffer.from(value).toString('base64') },
  });
}

function deleteSecret(name: string): void {
  cluster.state.delete('v1', 'Secret', 'default', name);
}

/** A started cache of labelled Secrets, and every event it emitted. */
function startCache(options: Partial<WatchCacheOptions> = {}): {
  cache: WatchCache;
  events: CacheEvent[];
} {
  const client = new ClusterClient(cluster.kubeconfig, 'sim-1');
  const cache = new WatchCache({
    client,
    apiVersion: 'v1',
    kind: 'Secret',
    labelSelector: MANAGED_SELECTOR,
    backoff: FAST_BACKOFF,
    ...options,
  });
  const events: CacheEvent[] = [];
  cache.on((event) => events.push(event));
  disposables.push(cache);
  cache.start();
  return { cache, events };
}

/** Names of the labelled Secrets the cluster holds now. */
function liveNames(): string[] {
  return cluster.state
    .list('v1', 'Secret', { namespace: 'default', labels: LABELS })
    .map((object) => object.metadata.name ?? '')
    .sort();
}

function cachedNames(cache: WatchCache): string[] {
  return cache
    .list()
    .map((object) => object.metadata.name)
    .sort();
}

/** True when the cache holds exactly the cluster's objects, at the same versions. */
function converged(cache: WatchCache): boolean {
  const live = cluster.state.list('v1', 'Secret', { namespace: 'default', labels: LABELS });
  return (
    live.length === cache.list().length &&
    live.every(
      (object) =>
        cache.get('default', object.metadata.name ?? '')?.metadata.resourceVersion ===
        object.metadata.resourceVersion,
    )
  );
}

const changes = (events: CacheEvent[], type: CacheChange['type'], name: string): CacheChange[] =>
  events.filter(
    (event): event is CacheChange => event.type === type && event.object.metadata.name === name,
  );

describe('WatchCache', () => {
  it('lists in pages and then follows additions, changes and deletions', async () => {
    for (let i = 0; i < 1_200; i++) createSecret(`s-${String(i).padStart(4, '0')}`);
    createSecret('not-ours', { team: 'other' });
    const { cache, events } = startCache({ pageSize: 500 });

    await waitFor(() => cache.synced, 'the first list', 15_000);
    expect(cache.list()).toHaveLength(1_200);
    expect(cache.get('default', 'not-ours')).toBeUndefined();
    expect(cache.stats().requests).toBeGreaterThanOrEqual(3);
    expect(events.filter((event) => event.type === 'ADDED')).toHaveLength(1_200);
    expect(events.filter((event) => event.type === 'SYNCED')).toHaveLength(1);
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');

    createSecret('fresh');
    patchSecret('s-0001', 'changed');
    deleteSecret('s-0002');
    await waitFor(() => changes(events, 'DELETED', 's-0002').length === 1, 'the deletion');
    await waitFor(() => changes(events, 'ADDED', 'fresh').length === 1, 'the addition');

    const modified = changes(events, 'MODIFIED', 's-0001');
    expect(modified).toHaveLength(1);
    const change = modified[0] as CacheChange;
    expect(change.old?.metadata.resourceVersion).not.toBe(change.object.metadata.resourceVersion);
    expect(cache.get('default', 's-0002')).toBeUndefined();
    expect(converged(cache)).toBe(true);
    expect(cache.stats().relists).toBe(0);
  });

  it('resumes dropped watches from the last resourceVersion without listing again', async () => {
    createSecret('seed');
    const { cache } = startCache();
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    cluster.faults.dropWatchesEvery(1);

    let n = 0;
    while (cache.stats().watchRestarts < 3) {
      const name = `during-drops-${n++}`;
      createSecret(name);
      if (n % 3 === 0) deleteSecret(`during-drops-${n - 2}`);
      await waitFor(() => converged(cache), `the cache to hold ${name}`, 10_000);
    }

    expect(cachedNames(cache)).toEqual(liveNames());
    expect(cache.stats().relists).toBe(0);
  });

  it('lists again on 410 Gone and announces a deletion made while it was disconnected', async () => {
    for (const name of ['keep', 'change', 'remove']) createSecret(name);
    const { cache, events } = startCache();
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');

    cluster.faults.setUnreachable(true);
    await waitFor(() => cache.stats().state === 'backoff', 'the cache to notice');
    deleteSecret('remove');
    patchSecret('change', 'new');
    createSecret('added');
    cluster.faults.failNextWatchWithGone();
    cluster.faults.setUnreachable(false);

    await waitFor(
      () => changes(events, 'DELETED', 'remove').length === 1,
      'the synthetic deletion',
    );
    await waitFor(() => converged(cache), 'the cache to converge');
    const deleted = changes(events, 'DELETED', 'remove')[0] as CacheChange;
    expect(deleted.object.metadata.name).toBe('remove');
    expect(changes(events, 'MODIFIED', 'change')).toHaveLength(1);
    expect(changes(events, 'ADDED', 'added')).toHaveLength(1);
    expect(changes(events, 'MODIFIED', 'keep')).toHaveLength(0);
    expect(cache.stats().relists).toBe(1);
  });

  it('lists again when the stream reports its history Expired', async () => {
    for (let i = 0; i < 5; i++) createSecret(`old-${i}`);
    const { cache, events } = startCache();
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');

    cluster.faults.setUnreachable(true);
    await waitFor(() => cache.stats().state === 'backoff', 'the cache to notice');
    deleteSecret('old-0');
    // More changes than the server keeps (1,000), so resuming from the old version is impossible.
    for (let i = 0; i < 1_100; i++) createSecret(`burst-${i}`, { unrelated: 'yes' });
    cluster.faults.setUnreachable(false);

    await waitFor(() => changes(events, 'DELETED', 'old-0').length === 1, 'the synthetic deletion');
    expect(cache.stats().relists).toBe(1);
    expect(converged(cache)).toBe(true);
  });

  it('converges under 5% errors and 429s while bounding its requests', async () => {
    const { cache, events } = startCache();
    await waitFor(() => cache.synced, 'the first list');
    cluster.faults.setErrors({ rate: 0.05, statuses: [500, 503, 429], retryAfterSeconds: 1 });
    // Frequent drops make enough requests for the 5% to bite within seconds.
    cluster.faults.dropWatchesEvery(0.2);
    const started = Date.now();
    const before = cache.stats().requests;
    const failures = () =>
      events.filter((event) => event.type === 'STATE' && event.state === 'backoff').length;

    for (let round = 0; round < 20 || failures() < 2; round++) {
      createSecret(`e-${round}`);
      if (round % 4 === 3) deleteSecret(`e-${round - 2}`);
      if (round % 5 === 4) patchSecret(`e-${round - 1}`, `v${round}`);
      await waitFor(() => converged(cache), `round ${round} to converge`, 15_000);
      if (Date.now() - started > 25_000) throw new Error('no injected failure reached the cache');
    }

    const seconds = (Date.now() - started) / 1000;
    // About five dropped watches a second, plus paced retries: far from a request loop.
    expect(cache.stats().requests - before).toBeLessThan(10 + seconds * 8);
    expect(cachedNames(cache)).toEqual(liveNames());
    expect(cache.stats().relists).toBe(0);
  });

  it('lists again after a silent watch and sees the change made during the silence', async () => {
    const { cache } = startCache({ silenceTimeoutMs: 400 });
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    cluster.faults.silentWatches(true);
    const relists = cache.stats().relists;
    const confirmed = cache.confirmedAt!;
    createSecret('unheard');

    // The watches stay silent: only a fresh list can bring the change.
    await waitFor(() => cache.get('default', 'unheard'), 'the change, through a re-list');
    expect(cache.stats().relists).toBeGreaterThan(relists);
    expect(cache.confirmedAt!).toBeGreaterThan(confirmed);
    cluster.faults.silentWatches(false);
  });

  it('leaves its data unconfirmed while the lists after a silent watch fail', async () => {
    const { cache } = startCache({ silenceTimeoutMs: 300 });
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    cluster.faults.silentWatches(true);
    cluster.faults.setErrors({ rate: 1, statuses: [503], verbs: ['list'] });
    const confirmed = cache.confirmedAt!;
    await waitFor(() => cache.stats().state === 'backoff', 'the re-list to fail');
    expect(cache.confirmedAt).toBe(confirmed);

    cluster.faults.setErrors(null);
    cluster.faults.silentWatches(false);
    await waitFor(() => cache.confirmedAt! > confirmed, 'the data to be confirmed again');
  });

  it('backs off while the cluster is unreachable and recovers when it is back', async () => {
    const { cache, events } = startCache();
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    cluster.faults.setUnreachable(true);
    createSecret('while-away');

    await waitFor(
      () => events.some((event) => event.type === 'STATE' && event.state === 'backoff'),
      'STATE backoff',
    );
    const requests = cache.stats().requests;
    await waitFor(() => cache.stats().requests >= requests + 3, 'a few retries');
    cluster.faults.setUnreachable(false);

    await waitFor(() => cache.get('default', 'while-away'), 'the change made while unreachable');
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open again');
    const states = events.flatMap((event) => (event.type === 'STATE' ? [event.state] : []));
    expect(states.slice(-2)).toEqual(['backoff', 'watching']);
  });

  it('reports a kind the cluster does not serve as synced and degraded, and looks again', async () => {
    const crd = 'elasticsearches.kubedb.com';
    cluster.state.delete('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd);
    const client = new ClusterClient(cluster.kubeconfig, 'sim-1');
    const cache = new WatchCache({
      client,
      apiVersion: 'kubedb.com/v1',
      kind: 'Elasticsearch',
      pollIntervalMs: 100,
    });
    const events: CacheEvent[] = [];
    cache.on((event) => events.push(event));
    disposables.push(cache);
    cache.start();

    await waitFor(() => cache.stats().polls >= 3, 'a few looks at the missing kind');
    expect(cache.synced).toBe(true);
    expect(cache.list()).toEqual([]);
    expect(events).toContainEqual({
      type: 'STATE',
      state: 'degraded',
      reason: 'the cluster does not serve kubedb.com/v1 Elasticsearch',
    });
    // Quiet while it waits: no STATE flapping on every look.
    expect(events.filter((event) => event.type === 'STATE')).toHaveLength(2);
  });

  it('does not announce an event whose version it already holds', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) createSecret(name);
    // Slow answers leave time to change an object on a later page while the list is under way.
    cluster.faults.setLatency(200);
    const { cache, events } = startCache({ pageSize: 2 });
    await waitFor(() => cache.stats().requests >= 2, 'the second page to be asked for');
    patchSecret('e', 'during-the-list');
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    createSecret('after');
    await waitFor(() => cache.get('default', 'after'), 'the new object');

    // The last page already held the new "e"; the watch replays that change from the list's
    // version with the same resourceVersion, which must not become a MODIFIED.
    expect(changes(events, 'ADDED', 'e')).toHaveLength(1);
    expect(changes(events, 'MODIFIED', 'e')).toHaveLength(0);
    expect(converged(cache)).toBe(true);
  });

  it('stores and announces what its projection keeps, from the list and from the watch', async () => {
    const client = new ClusterClient(cluster.kubeconfig, 'sim-1');
    const [namespace, name] = ['acme-shop', 'orders'];
    const manifests = buildDesiredManifests({
      id: 'db-1',
      name,
      engine: 'postgres',
      version: '16.4',
      domain: 'acme',
      project: 'shop',
      namespace,
      replicas: 1,
      mode: 'standalone',
      topology: {},
      resources: { cpu: '500m', memory: '1Gi' },
      storage: { size: '1Gi' },
      deletionPolicy: 'Delete',
      halted: false,
      labels: {},
    });
    for (const manifest of manifests)
      await client.apply(manifest, { fieldManager: FIELD_MANAGER, force: true });
    const full = await client.get('kubedb.com/v1', 'Postgres', namespace, name);
    // What the projection drops is there to drop.
    expect(full?.metadata).toHaveProperty('managedFields');
    const databases = startCache({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      projection: toCachedDatabase,
    });
    const pods = startCache({
      apiVersion: 'v1',
      kind: 'Pod',
      labelSelector: KUBEDB_POD_SELECTOR,
      projection: toCachedPod,
    });
    await waitFor(() => databases.cache.synced, 'the first list');
    expect(databases.cache.get(namespace, name)?.metadata).not.toHaveProperty('managedFields');

    await waitFor(() => phaseOf(databases.cache.get(namespace, name) ?? null) === 'Ready', 'Ready');
    await waitFor(() => readyReplicasFromPods(pods.cache.list(), name) === 1, 'a ready pod');
    const ready = await client.get('kubedb.com/v1', 'Postgres', namespace, name);
    expect(ready?.spec).toHaveProperty('authSecret');
    expect(pods.cache.list().every((pod) => pod.spec === undefined)).toBe(true);
    cluster.faults.downDatabase('Postgres', namespace, name);

    const down = await waitFor(
      () =>
        changes(databases.events, 'MODIFIED', name).find(
          (change) => phaseOf(change.object) === 'NotReady',
        ),
      'the phase change',
    );
    expect(phaseOf(down.old ?? null)).toBe('Ready');
    expect(down.object.metadata).not.toHaveProperty('managedFields');
    expect(down.object.spec).not.toHaveProperty('authSecret');
    expect(down.object.metadata.labels).toEqual(full?.metadata.labels);
  });
});
