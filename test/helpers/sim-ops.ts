/**
 * What the tests of the simulated KubeDB ops-manager share (sim-ops*.test.ts): one case per engine
 * (its spec and the OpsRequests it takes) and a cluster with the real CRDs, started before a
 * file's tests and stopped after them, with helpers that run an OpsRequest to its end.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, phaseOf, waitFor } from '../../sim/operator/test-support';

export const storage = {
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: '1Gi' } },
};
export const bigger = { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } };

export interface Engine {
  kind: string;
  plural: string;
  opsPlural: string;
  opsKind: string;
  container: string;
  key: string;
  spec: Record<string, unknown>;
  upgrade: { to: string; image: string };
  scale: { block: Record<string, unknown>; pods: number };
  configuration: Record<string, unknown>;
  configFile: string;
}

export const ENGINES: Engine[] = [
  {
    kind: 'Postgres',
    plural: 'postgreses',
    opsPlural: 'postgresopsrequests',
    opsKind: 'PostgresOpsRequest',
    container: 'postgres',
    key: 'postgres',
    spec: { version: '16.1', replicas: 3, storage },
    upgrade: { to: '16.4', image: ':16.4' },
    // An odd count: with an even one KubeDB adds the raft arbiter pod `<db>-arbiter-0`.
    scale: { block: { replicas: 5 }, pods: 5 },
    configuration: { applyConfig: { 'user.conf': 'max_connections = 200\n' } },
    configFile: 'user.conf',
  },
  {
    kind: 'MySQL',
    plural: 'mysqls',
    opsPlural: 'mysqlopsrequests',
    opsKind: 'MySQLOpsRequest',
    container: 'mysql',
    key: 'mysql',
    spec: { version: '8.0.36', replicas: 3, topology: { mode: 'GroupReplication' }, storage },
    upgrade: { to: '8.4.2', image: ':8.4.2' },
    scale: { block: { member: 5 }, pods: 5 },
    configuration: { applyConfig: { 'my-tuning.cnf': '[mysqld]\nmax_connections = 500\n' } },
    configFile: 'my-tuning.cnf',
  },
  {
    kind: 'MongoDB',
    plural: 'mongodbs',
    opsPlural: 'mongodbopsrequests',
    opsKind: 'MongoDBOpsRequest',
    container: 'mongodb',
    key: 'replicaSet',
    spec: { version: '6.0.12', replicas: 3, replicaSet: { name: 'rs0' }, storage },
    upgrade: { to: '7.0.8', image: ':7.0.8' },
    scale: { block: { replicas: 5 }, pods: 5 },
    configuration: {
      replicaSet: { applyConfig: { 'mongod.conf': 'net:\n  maxIncomingConnections: 20000\n' } },
    },
    configFile: 'mongod.conf',
  },
  {
    kind: 'MariaDB',
    plural: 'mariadbs',
    opsPlural: 'mariadbopsrequests',
    opsKind: 'MariaDBOpsRequest',
    container: 'mariadb',
    key: 'mariadb',
    spec: { version: '10.11.6', replicas: 3, storage },
    upgrade: { to: '11.2.2', image: ':11.2.2' },
    scale: { block: { member: 5 }, pods: 5 },
    configuration: { applyConfig: { 'md.cnf': '[mysqld]\nmax_connections = 300\n' } },
    configFile: 'md.cnf',
  },
  {
    kind: 'Redis',
    plural: 'redises',
    opsPlural: 'redisopsrequests',
    opsKind: 'RedisOpsRequest',
    container: 'redis',
    key: 'redis',
    spec: { version: '7.2.4', mode: 'Cluster', cluster: { shards: 3, replicas: 2 }, storage },
    upgrade: { to: '7.4.6', image: ':7.4.6' },
    scale: { block: { shards: 4 }, pods: 8 },
    configuration: { applyConfig: { 'redis.conf': 'maxmemory 100mb\n' } },
    configFile: 'redis.conf',
  },
  {
    kind: 'Elasticsearch',
    plural: 'elasticsearches',
    opsPlural: 'elasticsearchopsrequests',
    opsKind: 'ElasticsearchOpsRequest',
    container: 'elasticsearch',
    key: 'node',
    spec: { version: 'xpack-8.11.1', replicas: 3, storage },
    upgrade: { to: 'xpack-8.13.4', image: ':8.13.4' },
    scale: { block: { node: 4 }, pods: 4 },
    configuration: {
      applyConfig: { 'elasticsearch.yml': 'indices.query.bool.max_clause_count: 2048\n' },
    },
    configFile: 'elasticsearch.yml',
  },
];

export const mainOf = (pod: KubeObject, container: string) =>
  (
    pod.spec as { containers: { name: string; image: string; resources: unknown }[] }
  ).containers.find((c) => c.name === container);
export const conditionTypes = (o: KubeObject) =>
  ((o.status as { conditions: { type: string }[] }).conditions ?? []).map((c) => c.type);

/** Starts a cluster named `name` (operator seed `seed`) before the file's tests, stops it after. */
export function useSimOps(name: string, seed: number) {
  let cluster: SimCluster | undefined;
  let core: CoreV1Api | undefined;
  let custom: CustomObjectsApi | undefined;
  let counter = 0;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the simulated cluster is not started yet');
    return value;
  };

  beforeAll(async () => {
    cluster = await startSimCluster({ name, speed: 200, seed, crdsDir: crdsDirForTests() });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function readyDatabase(
    e: Engine,
    extra: Record<string, unknown> = {},
  ): Promise<{ namespace: string; name: string }> {
    const namespace = `ops${++counter}`;
    const name = 'db';
    await started(core).createNamespace({ body: { metadata: { name: namespace } } });
    await started(custom).createNamespacedCustomObject({
      group: 'kubedb.com',
      version: 'v1',
      namespace,
      plural: e.plural,
      body: {
        apiVersion: 'kubedb.com/v1',
        kind: e.kind,
        metadata: { name },
        spec: { ...e.spec, ...extra },
      },
    });
    await waitFor(() => phaseOf(db(e, namespace, name)) === 'Ready', `${e.kind} Ready`);
    return { namespace, name };
  }

  function db(e: Engine, namespace: string, name = 'db'): KubeObject | undefined {
    return started(cluster).state.get('kubedb.com/v1', e.kind, namespace, name);
  }

  function createOps(
    e: Engine,
    namespace: string,
    name: string,
    spec: Record<string, unknown>,
  ): Promise<unknown> {
    return started(custom).createNamespacedCustomObject({
      group: 'ops.kubedb.com',
      version: 'v1alpha1',
      namespace,
      plural: e.opsPlural,
      body: {
        apiVersion: 'ops.kubedb.com/v1alpha1',
        kind: e.opsKind,
        metadata: { name },
        spec: { databaseRef: { name: 'db' }, ...spec },
      },
    });
  }

  const ops = (e: Engine, namespace: string, name: string) =>
    started(cluster).state.get('ops.kubedb.com/v1alpha1', e.opsKind, namespace, name);

  async function runOps(
    e: Engine,
    namespace: string,
    name: string,
    spec: Record<string, unknown>,
  ): Promise<KubeObject> {
    await createOps(e, namespace, name, spec);
    const done = await waitFor(
      () => {
        const o = ops(e, namespace, name);
        return ['Successful', 'Failed'].includes(phaseOf(o) ?? '') ? o : undefined;
      },
      `${name} done`,
      15_000,
    );
    expect(phaseOf(done), JSON.stringify(done.status)).toBe('Successful');
    return done;
  }

  const pods = (namespace: string): KubeObject[] =>
    started(cluster).state.list('v1', 'Pod', {
      namespace,
      labels: { 'app.kubernetes.io/instance': 'db' },
    });

  return {
    get cluster() {
      return started(cluster);
    },
    get core() {
      return started(core);
    },
    get custom() {
      return started(custom);
    },
    readyDatabase,
    db,
    createOps,
    ops,
    runOps,
    pods,
  };
}
