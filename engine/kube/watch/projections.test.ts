import { describe, expect, it } from 'vitest';
import { ENGINE_MODES, type DatabaseSpec, type Engine } from '../../domain';
import { computeDrift, extractLiveSpec } from '../../kubedb/live';
import { buildDatabaseManifest } from '../../kubedb/manifests';
import { buildOpsRequestForOperation, readOpsRequestStatus } from '../../kubedb/ops';
import {
  mapDatabaseStatus,
  phaseOf,
  readyReplicasFromPods,
  statusReasonOf,
} from '../../kubedb/status';
import { readyByRoleFromPods } from '../../kubedb/replica-roles';
import type { KubeObject } from '../../kubedb/types';
import { toCachedDatabase, toCachedOpsRequest, toCachedPod } from './projections';

type Json = Record<string, unknown>;

const clone = <T>(value: T): T => structuredClone(value);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const MANAGED_FIELDS = [
  {
    manager: 'kubedb-dbaas',
    operation: 'Apply',
    apiVersion: 'kubedb.com/v1',
    time: '2026-01-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:version': {} } },
  },
];

function condition(type: string, status: string, reason: string, message: string): Json {
  return {
    type,
    status,
    reason,
    message,
    observedGeneration: 2,
    lastTransitionTime: '2026-01-01T00:00:01Z',
  };
}

/** An object as the API server serves it: what we applied, plus the server's and KubeDB's fields. */
function served(object: KubeObject, status: Json): KubeObject {
  return {
    ...clone(object),
    metadata: {
      ...clone(object.metadata),
      uid: '7a0e6f1c-0000-4000-8000-000000000001',
      resourceVersion: '1135',
      generation: 2,
      creationTimestamp: '2026-01-01T00:00:00Z',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":"very long"}' },
      finalizers: ['kubedb.com'],
      managedFields: clone(MANAGED_FIELDS),
    } as KubeObject['metadata'],
    spec: {
      ...clone(object.spec),
      authSecret: { kind: 'Secret', name: `${object.metadata.name}-auth`, apiGroup: '' },
      healthChecker: { failureThreshold: 1, periodSeconds: 10, timeoutSeconds: 10 },
    },
    status,
  };
}

const READY_STATUS: Json = {
  phase: 'Ready',
  observedGeneration: 2,
  authSecret: { lastUpdateTimestamp: '2026-01-01T00:00:00Z' },
  conditions: [
    condition('ProvisioningStarted', 'True', 'Started', 'The operator started'),
    condition('ReplicaReady', 'True', 'AllReplicasReady', 'All replicas are ready'),
    condition('Ready', 'True', 'ReadinessCheckSucceeded', 'The database is ready'),
  ],
};

const NOT_READY_STATUS: Json = {
  ...clone(READY_STATUS),
  phase: 'NotReady',
  conditions: [
    condition('ReplicaReady', 'False', 'ReplicasNotReady', 'replica 0 is not ready'),
    condition('Ready', 'False', 'ReadinessCheckFailed', 'The database is not ready'),
  ],
};

const TOPOLOGIES: Partial<Record<string, DatabaseSpec['topology']>> = {
  'mongodb/sharded': { shards: 2, configServers: 3, mongos: 2 },
  'redis/cluster': { shards: 3 },
  'elasticsearch/topology': { masters: 1, ingest: 1 },
};

/** One desired database of every engine and mode. */
function everyLayout(): DatabaseSpec[] {
  return (Object.keys(ENGINE_MODES) as Engine[]).flatMap((engine) =>
    ENGINE_MODES[engine].map((mode) => ({
      id: `db-${engine}-${mode}`,
      name: 'orders',
      engine,
      version: '1.2.3',
      domain: 'acme',
      project: 'shop',
      namespace: 'acme-shop',
      replicas: mode === 'standalone' ? 1 : 3,
      mode,
      topology: TOPOLOGIES[`${engine}/${mode}`] ?? {},
      resources: { cpu: '500m', memory: '1Gi' },
      storage: { size: '10Gi', storageClass: 'standard' },
      deletionPolicy: 'Delete',
      halted: false,
      labels: {},
    })),
  );
}

/** Every place a group of data pods can live in a KubeDB spec. */
function podGroups(spec: Json): Json[] {
  const at = (value: unknown, key: string): Json | undefined =>
    typeof value === 'object' && value !== null ? ((value as Json)[key] as Json) : undefined;
  return [
    spec,
    at(at(spec, 'shardTopology'), 'shard'),
    at(at(spec, 'topology'), 'data'),
    at(spec, 'cluster'),
  ].filter((group): group is Json => group !== undefined);
}

/** The same object with every field drift reads changed, wherever the engine keeps it. */
function drifted(object: KubeObject): KubeObject {
  const copy = clone(object);
  const spec = copy.spec as Json;
  spec.version = '9.9.9';
  spec.halted = true;
  for (const group of podGroups(spec)) {
    group.replicas = 7;
    if ('shards' in group) group.shards = 5;
    const storage = group.storage as { resources?: { requests?: Json } } | undefined;
    if (storage?.resources?.requests) storage.resources.requests.storage = '99Gi';
    const containers = (group.podTemplate as { spec?: { containers?: Json[] } } | undefined)?.spec
      ?.containers;
    for (const container of containers ?? []) {
      // Memory only as a limit: drift reads the limit when the request is missing.
      container.resources = { requests: { cpu: '3' }, limits: { memory: '5Gi' } };
    }
  }
  return copy;
}

describe('toCachedDatabase', () => {
  const spec = everyLayout()[0] as DatabaseSpec;
  const full = served(buildDatabaseManifest(spec), READY_STATUS);

  it("drops managedFields, kubectl's last-applied copy and the operator's own spec fields", () => {
    const cached = toCachedDatabase(full);
    expect(full.metadata).toHaveProperty('managedFields');
    for (const field of ['managedFields', 'finalizers', 'creationTimestamp'])
      expect(cached.metadata).not.toHaveProperty(field);
    expect(cached.spec?.authSecret).toBeUndefined();
    expect(cached.spec?.healthChecker).toBeUndefined();
    expect(cached.status?.authSecret).toBeUndefined();
    expect(Object.keys(full.spec ?? {})).toEqual(expect.arrayContaining(['deletionPolicy']));
    // Every field the engine applies stays, for drift (engine/kubedb/drift.ts).
    expect(Object.keys(cached.spec ?? {}).sort()).toEqual(
      Object.keys(buildDatabaseManifest(spec).spec ?? {}).sort(),
    );
    expect(cached.spec?.podTemplate).toEqual({
      spec: {
        containers: [
          {
            name: 'postgres',
            resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
          },
        ],
      },
    });
    expect(cached.spec?.storage).toEqual(buildDatabaseManifest(spec).spec?.storage);
  });

  it('keeps identity, labels, deletion and status as the readers see them', () => {
    const deleting = clone(full);
    deleting.metadata.deletionTimestamp = '2026-01-02T00:00:00Z';
    const cached = toCachedDatabase(deleting);
    expect(cached.metadata).toEqual({
      name: 'orders',
      namespace: 'acme-shop',
      uid: full.metadata.uid,
      resourceVersion: '1135',
      generation: 2,
      deletionTimestamp: '2026-01-02T00:00:00Z',
      labels: full.metadata.labels,
    });
    expect(cached.status).toEqual({
      phase: 'Ready',
      observedGeneration: 2,
      conditions: [
        {
          type: 'ProvisioningStarted',
          status: 'True',
          reason: 'Started',
          message: 'The operator started',
          lastTransitionTime: '2026-01-01T00:00:01Z',
        },
        {
          type: 'ReplicaReady',
          status: 'True',
          reason: 'AllReplicasReady',
          message: 'All replicas are ready',
          lastTransitionTime: '2026-01-01T00:00:01Z',
        },
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReadinessCheckSucceeded',
          message: 'The database is ready',
          lastTransitionTime: '2026-01-01T00:00:01Z',
        },
      ],
    });
  });

  it('shows a phase change and its failing condition as the whole object does', () => {
    const down = served(buildDatabaseManifest(spec), NOT_READY_STATUS);
    for (const object of [full, down]) {
      const cached = toCachedDatabase(object);
      expect(phaseOf(cached)).toBe(phaseOf(object));
      expect(statusReasonOf(cached)).toBe(statusReasonOf(object));
    }
    expect(phaseOf(toCachedDatabase(down))).toBe('NotReady');
    expect(statusReasonOf(toCachedDatabase(down))).toBe('replica 0 is not ready');
    expect(
      mapDatabaseStatus({ phase: phaseOf(toCachedDatabase(down)), previous: 'RUNNING' }),
    ).toEqual({ status: 'FAILED', failing: true });
  });

  it('keeps every field drift compares, for every engine and mode', () => {
    for (const desired of everyLayout()) {
      const built = served(buildDatabaseManifest(desired), READY_STATUS);
      const noReplicas = clone(built);
      delete (noReplicas.spec as Json).replicas;
      for (const object of [built, drifted(built), noReplicas]) {
        const what = `${desired.engine}/${desired.mode}`;
        expect(extractLiveSpec(desired, toCachedDatabase(object)), what).toEqual(
          extractLiveSpec(desired, object),
        );
      }
      // The drifted object differs in every compared field, so the comparison above means something.
      const drift = computeDrift(
        desired,
        extractLiveSpec(desired, toCachedDatabase(drifted(built))),
      );
      expect(
        drift.map((entry) => entry.path),
        `${desired.engine}/${desired.mode}`,
      ).toEqual(
        expect.arrayContaining([
          'replicas',
          'version',
          'resources.cpu',
          'resources.memory',
          'storage.size',
          'halted',
        ]),
      );
    }
  });

  it('leaves its input untouched', () => {
    const frozen = deepFreeze(clone(full));
    const cached = toCachedDatabase(frozen);
    expect(frozen).toEqual(full);
    (cached.metadata.labels as Json).extra = 'x';
    expect(frozen.metadata.labels).toEqual(full.metadata.labels);
  });
});

describe('toCachedOpsRequest', () => {
  const spec = everyLayout()[0] as DatabaseSpec;
  const applied = buildOpsRequestForOperation(
    { database: spec, operationId: 'op-1' },
    'update-version',
    { targetVersion: '1.2.4' },
  );

  it('keeps what an operation worker reads of its status, and no spec', () => {
    const statuses: Json[] = [
      {},
      { phase: 'Pending', conditions: [] },
      {
        phase: 'Progressing',
        conditions: [
          condition('Progressing', 'True', 'Started', 'started'),
          condition('HorizontalScaleUp', 'True', 'ScaledUp', 'scaled up'),
        ],
      },
      {
        phase: 'Failed',
        conditions: [condition('HorizontalScaleUp', 'False', 'Timeout', 'no quorum')],
      },
      { phase: 'Successful', conditions: [condition('Successful', 'True', 'Done', 'done')] },
    ];
    for (const status of statuses) {
      const object = served(applied, status);
      const cached = toCachedOpsRequest(object);
      expect(readOpsRequestStatus(cached)).toEqual(readOpsRequestStatus(object));
      expect(cached.spec).toBeUndefined();
      expect(cached.metadata).not.toHaveProperty('managedFields');
      expect(cached.metadata.name).toBe(applied.metadata.name);
    }
  });
});

describe('toCachedPod', () => {
  function pod(name: string, instance: string, phase: string, ready: string): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'acme-shop',
        uid: `uid-${name}`,
        resourceVersion: '7',
        labels: {
          'app.kubernetes.io/instance': instance,
          'app.kubernetes.io/managed-by': 'kubedb.com',
          'controller-revision-hash': `${instance}-abc`,
        },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'PetSet', name: instance, uid: 'u' }],
      },
      spec: { containers: [{ name: 'postgres', image: 'postgres:16' }], nodeName: 'node-1' },
      status: {
        phase,
        podIP: '10.0.0.1',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
          { type: 'Ready', status: ready, lastTransitionTime: '2026-01-01T00:00:00Z' },
        ],
        containerStatuses: [{ name: 'postgres', ready: ready === 'True', restartCount: 0 }],
      },
    };
  }

  it('keeps its identity, instance label and readiness, and nothing else', () => {
    expect(toCachedPod(pod('orders-0', 'orders', 'Running', 'True'))).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'orders-0',
        namespace: 'acme-shop',
        uid: 'uid-orders-0',
        resourceVersion: '7',
        labels: { 'app.kubernetes.io/instance': 'orders' },
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('counts ready replicas as the whole pods do', () => {
    const deleting = pod('orders-3', 'orders', 'Running', 'True');
    deleting.metadata.deletionTimestamp = '2026-01-02T00:00:00Z';
    const unlabelled = pod('stray-0', 'stray', 'Running', 'True');
    delete unlabelled.metadata.labels;
    const pods = [
      pod('orders-0', 'orders', 'Running', 'True'),
      pod('orders-1', 'orders', 'Running', 'False'),
      pod('orders-2', 'orders', 'Pending', 'True'),
      deleting,
      pod('orders-sentinel-0', 'orders-sentinel', 'Running', 'True'),
      unlabelled,
      { ...pod('orders-4', 'orders', 'Running', 'True'), status: undefined },
    ];
    const cached = pods.map(toCachedPod);
    expect(readyReplicasFromPods(cached, 'orders')).toBe(1);
    expect(readyReplicasFromPods(cached, 'orders')).toBe(readyReplicasFromPods(pods, 'orders'));
    expect(cached[5]?.metadata.labels).toBeUndefined();
  });

  it('keeps the role labels that per-role ready counts read', () => {
    const sharded = pod('orders-shard1-0', 'orders', 'Running', 'True');
    sharded.metadata.labels!['mongodb.kubedb.com/node.shard'] = 'orders-shard1';
    const search = pod('search-data-0', 'search', 'Running', 'True');
    search.metadata.labels!['kubedb.com/role-data'] = 'set';
    const spec = {
      name: 'orders',
      engine: 'mongodb' as const,
      mode: 'sharded' as const,
      replicas: 3,
      topology: { shards: 2 },
    };
    expect(toCachedPod(sharded).metadata.labels).toEqual({
      'app.kubernetes.io/instance': 'orders',
      'mongodb.kubedb.com/node.shard': 'orders-shard1',
    });
    expect(toCachedPod(search).metadata.labels?.['kubedb.com/role-data']).toBe('set');
    expect(readyByRoleFromPods(spec, [toCachedPod(sharded)])).toEqual(
      readyByRoleFromPods(spec, [sharded]),
    );
    expect(readyByRoleFromPods(spec, [toCachedPod(sharded)]).shard1).toBe(1);
  });
});
