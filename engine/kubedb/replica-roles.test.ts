import { describe, expect, it } from 'vitest';
import type { DatabaseSpec } from '../domain';
import { expectedPods } from './status';
import { readyByRoleFromPods, replicaRolesOf } from './replica-roles';
import type { KubeObject } from './types';

type Spec = Pick<DatabaseSpec, 'engine' | 'mode' | 'replicas' | 'topology' | 'name'>;

/** A pod as KubeDB labels it (REFERENCE 5). */
function pod(
  name: string,
  instance: string,
  labels: Record<string, string>,
  ready = true,
): KubeObject {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'acme-shop',
      labels: {
        'app.kubernetes.io/instance': instance,
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/component': 'database',
        ...labels,
      },
    },
    spec: { containers: [{ name: 'db' }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      ],
    },
  };
  return object;
}

function counts(spec: Spec, pods: KubeObject[]) {
  const roles = replicaRolesOf(spec, readyByRoleFromPods(spec, pods));
  const ready = roles.reduce((sum, r) => sum + r.ready, 0);
  return { roles, ready, desired: expectedPods(spec) };
}

describe('ready and desired pods per role', () => {
  it('counts a sharded MongoDB per shard, config server and mongos', () => {
    const spec: Spec = {
      name: 'orders',
      engine: 'mongodb',
      mode: 'sharded',
      replicas: 3,
      topology: { shards: 2, configServers: 3, mongos: 2 },
    };
    const pods = [
      ...[0, 1].flatMap((s) =>
        [0, 1, 2].map((i) =>
          pod(
            `orders-shard${s}-${i}`,
            'orders',
            { 'mongodb.kubedb.com/node.shard': `orders-shard${s}` },
            !(s === 1 && i === 2),
          ),
        ),
      ),
      ...[0, 1, 2].map((i) =>
        pod(`orders-configsvr-${i}`, 'orders', {
          'mongodb.kubedb.com/node.config': 'orders-configsvr',
        }),
      ),
      pod('orders-mongos-0', 'orders', { 'mongodb.kubedb.com/node.mongos': 'orders-mongos' }),
      pod(
        'orders-mongos-1',
        'orders',
        { 'mongodb.kubedb.com/node.mongos': 'orders-mongos' },
        false,
      ),
      // Another database's pod in the namespace is not counted.
      pod('other-shard0-0', 'other', { 'mongodb.kubedb.com/node.shard': 'other-shard0' }),
    ];
    expect(counts(spec, pods)).toEqual({
      roles: [
        { role: 'shard0', ready: 3, desired: 3 },
        { role: 'shard1', ready: 2, desired: 3 },
        { role: 'configServer', ready: 3, desired: 3 },
        { role: 'mongos', ready: 1, desired: 2 },
      ],
      ready: 9,
      desired: 11,
    });
  });

  it('counts a Redis cluster per shard, every pod of a shard included', () => {
    const spec: Spec = {
      name: 'cache',
      engine: 'redis',
      mode: 'cluster',
      replicas: 2,
      topology: { shards: 3 },
    };
    const pods = [0, 1, 2].flatMap((s) =>
      [0, 1].map((i) =>
        pod(`cache-shard${s}-${i}`, 'cache', { 'redis.kubedb.com/shard': `shard${s}` }, s !== 2),
      ),
    );
    expect(counts(spec, pods)).toEqual({
      roles: [
        { role: 'shard0', ready: 2, desired: 2 },
        { role: 'shard1', ready: 2, desired: 2 },
        { role: 'shard2', ready: 0, desired: 2 },
      ],
      ready: 4,
      desired: 6,
    });
  });

  it('counts an Elasticsearch topology per node role', () => {
    const spec: Spec = {
      name: 'search',
      engine: 'elasticsearch',
      mode: 'topology',
      replicas: 2,
      topology: { masters: 1, ingest: 1 },
    };
    const pods = [
      pod('search-master-0', 'search', { 'kubedb.com/role-master': 'set' }),
      pod('search-data-0', 'search', { 'kubedb.com/role-data': 'set' }),
      pod('search-data-1', 'search', { 'kubedb.com/role-data': 'set' }),
      pod('search-ingest-0', 'search', { 'kubedb.com/role-ingest': 'set' }, false),
    ];
    expect(counts(spec, pods)).toEqual({
      roles: [
        { role: 'master', ready: 1, desired: 1 },
        { role: 'data', ready: 2, desired: 2 },
        { role: 'ingest', ready: 0, desired: 1 },
      ],
      ready: 3,
      desired: 4,
    });
  });

  it('has no roles for a plain replicated topology, and desires its replicas', () => {
    const spec: Spec = {
      name: 'ledger',
      engine: 'postgres',
      mode: 'cluster',
      replicas: 3,
      topology: {},
    };
    const pods = [0, 1, 2].map((i) =>
      pod(`ledger-${i}`, 'ledger', { 'kubedb.com/role': 'primary' }),
    );
    expect(readyByRoleFromPods(spec, pods)).toEqual({});
    expect(counts(spec, pods)).toEqual({ roles: [], ready: 0, desired: 3 });
  });
});
