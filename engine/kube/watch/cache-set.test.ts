import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../../sim/index';
import { startClusters, waitFor } from '../../../test/helpers/engine';
import { MANAGED_SELECTOR, type KubeObject } from '../../kubedb/types';
import { ClusterClient } from '../cluster-client';
import type { CacheChange } from '../watch-cache';
import {
  createKubedbWatchCaches,
  KUBEDB_POD_SELECTOR,
  KUBEDB_WATCH_TARGETS,
  type CacheSetEvent,
  type WatchCacheSet,
} from './cache-set';
import { toCachedDatabase, toCachedOpsRequest, toCachedPod } from './projections';

function postgres(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name, namespace: 'default', labels },
    spec: {
      version: '16.4',
      replicas: 1,
      storage: {
        storageClassName: 'standard',
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
      deletionPolicy: 'WipeOut',
    },
  };
}

describe('KUBEDB_WATCH_TARGETS', () => {
  it('watches the database kinds, their OpsRequests and KubeDB pods, each with its own selector', () => {
    const kinds = KUBEDB_WATCH_TARGETS.map((target) => target.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Postgres',
        'MySQL',
        'MongoDB',
        'MariaDB',
        'Redis',
        'Elasticsearch',
        'PostgresOpsRequest',
        'ElasticsearchOpsRequest',
        'Pod',
      ]),
    );
    expect(KUBEDB_WATCH_TARGETS).toHaveLength(13);
    for (const target of KUBEDB_WATCH_TARGETS) {
      expect(target.labelSelector).toBe(
        target.kind === 'Pod' ? KUBEDB_POD_SELECTOR : MANAGED_SELECTOR,
      );
    }
  });

  it('keeps each kind as the projection its readers need', () => {
    for (const target of KUBEDB_WATCH_TARGETS) {
      expect(target.projection, target.kind).toBe(
        target.kind === 'Pod'
          ? toCachedPod
          : target.kind.endsWith('OpsRequest')
            ? toCachedOpsRequest
            : toCachedDatabase,
      );
    }
  });
});

describe('WatchCacheSet', () => {
  let cluster: SimCluster;
  let set: WatchCacheSet | undefined;

  beforeEach(async () => {
    [cluster] = (await startClusters(1, 200)) as [SimCluster];
  });

  afterEach(async () => {
    await set?.dispose();
    set = undefined;
    await cluster.stop();
  });

  it('syncs every cache and reports their changes through one subscription', async () => {
    set = createKubedbWatchCaches(new ClusterClient(cluster.kubeconfig, 'sim-1'));
    const events: CacheSetEvent[] = [];
    set.on((event) => events.push(event));
    set.start();
    await waitFor(() => set?.synced, 'every cache to sync');
    expect(Object.keys(set.stats())).toHaveLength(13);

    cluster.state.create(
      postgres('ours', { 'app.kubernetes.io/managed-by': 'kubedb-dbaas' }) as never,
    );
    cluster.state.create(postgres('theirs', {}) as never);
    await waitFor(() => set?.get('kubedb.com/v1', 'Postgres', 'default', 'ours'), 'our database');
    // The operator runs the database: its pods carry KubeDB's labels, not ours.
    await waitFor(
      () =>
        set
          ?.list('v1', 'Pod')
          .some((pod) => pod.metadata.labels?.['app.kubernetes.io/instance'] === 'ours'),
      'the pods of our database',
    );

    expect(set.get('kubedb.com/v1', 'Postgres', 'default', 'theirs')).toBeUndefined();
    const added = events.filter(
      (event): event is CacheSetEvent & CacheChange => event.type === 'ADDED',
    );
    expect(
      added.some(
        (event) => event.source.kind === 'Postgres' && event.object.metadata.name === 'ours',
      ),
    ).toBe(true);
    expect(added.some((event) => event.source.kind === 'Pod')).toBe(true);
  });

  it('stops every cache when disposed', async () => {
    set = createKubedbWatchCaches(new ClusterClient(cluster.kubeconfig, 'sim-1'));
    const stopped = new Set<string>();
    set.on((event) => {
      if (event.type === 'STATE' && event.state === 'stopped') stopped.add(event.source.kind);
    });
    set.start();
    await waitFor(() => set?.synced, 'every cache to sync');
    await set.dispose();

    expect(stopped.size).toBe(13);
    expect(Object.values(set.stats()).every((stats) => stats.state === 'stopped')).toBe(true);
  });
});
