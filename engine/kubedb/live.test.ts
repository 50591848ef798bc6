import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { DatabaseSpec } from '../domain';
import {
  buildDatabaseManifest,
  computeDrift,
  extractLiveSpec,
  planDriftRepair,
  carryDriftRecords,
  isNewerVersion,
  type KubeObject,
} from './index';

/** Desired state as stored, and the live object as KubeDB would serve it (with operator defaults). */
const desired = (overrides: Partial<DatabaseSpec> = {}): DatabaseSpec => ({
  id: 'db-1',
  name: 'orders',
  engine: 'postgres',
  version: '17.9',
  domain: 'acme',
  project: 'shop',
  namespace: 'acme-shop',
  replicas: 3,
  mode: 'cluster',
  topology: { standbyMode: 'Hot', streamingMode: 'Asynchronous' },
  resources: { cpu: '500m', memory: '1Gi' },
  storage: { size: '10Gi', storageClass: 'standard' },
  deletionPolicy: 'Delete',
  halted: false,
  labels: {},
  ...overrides,
});

const live = (text: string) => yaml.load(text) as KubeObject;

const postgresLive = live(`
apiVersion: kubedb.com/v1
kind: Postgres
metadata: {name: orders, namespace: acme-shop}
spec:
  version: "17.9"
  replicas: 3
  standbyMode: Hot
  streamingMode: Asynchronous
  authSecret: {name: orders-auth, kind: Secret}
  storageType: Durable
  storage:
    storageClassName: standard
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 10240Mi}}
  podTemplate:
    spec:
      containers:
        - name: postgres
          resources:
            requests: {cpu: "0.5", memory: 1024Mi}
            limits: {memory: 1Gi}
        - name: pg-coordinator
          resources:
            requests: {cpu: 200m, memory: 256Mi}
  deletionPolicy: Delete
status: {phase: Ready}
`);

describe('live state and drift', () => {
  it('finds no drift when the live object equals the desired state by value', () => {
    expect(computeDrift(desired(), extractLiveSpec(desired(), postgresLive))).toEqual([]);
  });

  it('finds no drift in what the builders produce, for every engine layout', () => {
    const specs: DatabaseSpec[] = [
      desired(),
      desired({
        engine: 'mongodb',
        mode: 'sharded',
        replicas: 3,
        topology: { shards: 2, configServers: 3, mongos: 2 },
      }),
      desired({ engine: 'redis', mode: 'cluster', replicas: 2, topology: { shards: 3 } }),
      desired({
        engine: 'elasticsearch',
        mode: 'topology',
        version: 'xpack-8.19.9',
        replicas: 2,
        topology: { masters: 1, ingest: 1 },
      }),
      desired({ engine: 'mongodb', mode: 'standalone', replicas: 1, topology: {} }),
      desired({ engine: 'mariadb', mode: 'galera', halted: true, topology: {} }),
    ];
    for (const spec of specs)
      expect(
        computeDrift(spec, extractLiveSpec(spec, buildDatabaseManifest(spec))),
        spec.engine,
      ).toEqual([]);
  });

  it('reports replicas, version, resources, storage and halted drift by path', () => {
    const changed = live(`
apiVersion: kubedb.com/v1
kind: Postgres
metadata: {name: orders}
spec:
  version: "17.7"
  replicas: 2
  halted: true
  storage: {resources: {requests: {storage: 20Gi}}}
  podTemplate: {spec: {containers: [{name: postgres, resources: {requests: {cpu: "1", memory: 2Gi}}}]}}
`);
    expect(computeDrift(desired(), extractLiveSpec(desired(), changed))).toEqual([
      { path: 'replicas', desired: 3, live: 2 },
      { path: 'version', desired: '17.9', live: '17.7' },
      { path: 'resources.cpu', desired: '500m', live: '1' },
      { path: 'resources.memory', desired: '1Gi', live: '2Gi' },
      { path: 'storage.size', desired: '10Gi', live: '20Gi' },
      { path: 'halted', desired: false, live: true },
    ]);
  });

  it('reads sharded MongoDB from the shard component', () => {
    const spec = desired({
      engine: 'mongodb',
      mode: 'sharded',
      replicas: 3,
      topology: { shards: 2 },
    });
    const mongo = live(`
apiVersion: kubedb.com/v1
kind: MongoDB
metadata: {name: orders}
spec:
  version: "17.9"
  shardTopology:
    shard:
      shards: 3
      replicas: 3
      storage: {resources: {requests: {storage: 10Gi}}}
      podTemplate: {spec: {containers: [{name: mongodb, resources: {requests: {cpu: 500m, memory: 1Gi}}}]}}
    configServer: {replicas: 3}
    mongos: {replicas: 2}
`);
    expect(computeDrift(spec, extractLiveSpec(spec, mongo))).toEqual([
      { path: 'topology.shards', desired: 2, live: 3 },
    ]);
  });

  it('reads a missing memory request from the limit and a missing container as drift', () => {
    const limitOnly = live(`
apiVersion: kubedb.com/v1
kind: Redis
metadata: {name: orders}
spec:
  version: "17.9"
  mode: Standalone
  storage: {resources: {requests: {storage: 10Gi}}}
  podTemplate: {spec: {containers: [{name: redis, resources: {requests: {cpu: 500m}, limits: {memory: 1Gi}}}]}}
`);
    const spec = desired({ engine: 'redis', mode: 'standalone', replicas: 1, topology: {} });
    expect(computeDrift(spec, extractLiveSpec(spec, limitOnly))).toEqual([]);
    const noContainer = { ...limitOnly, spec: { ...limitOnly.spec, podTemplate: {} } };
    expect(
      computeDrift(spec, extractLiveSpec(spec, noContainer)).map((entry) => entry.path),
    ).toEqual(['resources.cpu', 'resources.memory']);
  });
});

describe('drift repair plan', () => {
  it('resumes a database halted by hand before anything else', () => {
    const plan = planDriftRepair(desired(), [
      { path: 'replicas', desired: 3, live: 2 },
      { path: 'halted', desired: false, live: true },
    ]);
    expect(plan.steps).toEqual([{ type: 'resume', params: {}, paths: ['halted'] }]);
  });

  it('orders repairs safely, one operation each, and refuses to shrink a volume', () => {
    const spec = desired();
    const plan = planDriftRepair(spec, [
      { path: 'replicas', desired: 3, live: 2 },
      { path: 'version', desired: '17.9', live: '17.7' },
      { path: 'resources.memory', desired: '1Gi', live: '2Gi' },
      { path: 'storage.size', desired: '10Gi', live: '20Gi' },
    ]);
    expect(plan.steps).toEqual([
      { type: 'update-version', params: { targetVersion: '17.9' }, paths: ['version'] },
      { type: 'scale-horizontal', params: { replicas: 3 }, paths: ['replicas'] },
      {
        type: 'scale-vertical',
        params: { cpu: '500m', memory: '1Gi' },
        paths: ['resources.memory'],
      },
    ]);
    expect(plan.unrepairable).toEqual([
      {
        entry: { path: 'storage.size', desired: '10Gi', live: '20Gi' },
        reason: expect.stringContaining('volumes do not shrink'),
      },
    ]);
  });

  it('never downgrades a version moved forward by hand, and still repairs the rest', () => {
    const plan = planDriftRepair(desired({ version: '16.1' }), [
      { path: 'version', desired: '16.1', live: '16.4' },
      { path: 'resources.cpu', desired: '500m', live: '1' },
    ]);
    expect(plan.steps.map((step) => step.type)).toEqual(['scale-vertical']);
    expect(plan.unrepairable).toEqual([
      {
        entry: { path: 'version', desired: '16.1', live: '16.4' },
        reason: expect.stringContaining('KubeDB does not downgrade'),
      },
    ]);
    expect(isNewerVersion('xpack-8.13.4', 'xpack-8.11.1')).toBe(true);
    expect(isNewerVersion('8.0.31-innodb', '8.4.2')).toBe(false);
  });

  it('does not plan a repair that was refused for the same values', () => {
    const refused = { reason: 'webhook said no', at: '2026-01-01T00:00:00.000Z' };
    const plan = planDriftRepair(desired(), [
      { path: 'replicas', desired: 3, live: 2, refused },
      { path: 'resources.cpu', desired: '500m', live: '1' },
    ]);
    expect(plan.steps.map((step) => step.type)).toEqual(['scale-vertical']);
  });

  it('expands a volume that is smaller than desired and pauses last', () => {
    const plan = planDriftRepair(desired({ halted: true }), [
      { path: 'storage.size', desired: '10Gi', live: '5Gi' },
      { path: 'halted', desired: true, live: false },
    ]);
    expect(plan.steps).toEqual([
      {
        type: 'expand-volume',
        params: { size: '10Gi', mode: 'Online' },
        paths: ['storage.size'],
      },
      { type: 'pause', params: {}, paths: ['halted'] },
    ]);
  });
});

describe('drift records', () => {
  it('keeps first seen and a refusal while the difference stays the same', () => {
    const refused = { reason: 'no', at: 't0' };
    const previous = [
      { path: 'replicas', desired: 3, live: 2, firstSeenAt: 't0', refused },
      { path: 'version', desired: '16.1', live: '16.4', firstSeenAt: 't0' },
    ];
    const next = carryDriftRecords(
      previous,
      [
        { path: 'replicas', desired: 3, live: 2 },
        { path: 'version', desired: '16.1', live: '16.6' },
      ],
      't1',
    );
    expect(next).toEqual([
      { path: 'replicas', desired: 3, live: 2, firstSeenAt: 't0', refused },
      { path: 'version', desired: '16.1', live: '16.6', firstSeenAt: 't1' },
    ]);
  });
});
