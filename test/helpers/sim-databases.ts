/**
 * What the tests of the simulated KubeDB provisioner share (sim-databases*.test.ts): one case per
 * engine (its spec and the objects the operator makes for it) and a cluster with the real CRDs,
 * started before a file's tests and stopped after them.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, phaseOf, waitFor } from '../../sim/operator/test-support';

export const storage = (size = '1Gi') => ({
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: size } },
});
export const resources = (container: string) => ({
  spec: {
    containers: [
      {
        name: container,
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
      },
    ],
  },
});

export interface EngineCase {
  kind: string;
  plural: string;
  container: string;
  user: string;
  spec: (name: string) => Record<string, unknown>;
  pods: (name: string) => string[];
  services: (name: string) => string[];
  petsets: (name: string) => string[];
  roles?: [string, string];
  /** The volumeClaimTemplate name: PVCs are `<claim>-<pod>` (default `data`; MongoDB `datadir`). */
  claim?: string;
}

export const CASES: EngineCase[] = [
  {
    kind: 'Postgres',
    plural: 'postgreses',
    container: 'postgres',
    user: 'postgres',
    spec: () => ({
      version: '16.1',
      replicas: 3,
      storage: storage(),
      podTemplate: resources('postgres'),
    }),
    pods: (n) => [0, 1, 2].map((i) => `${n}-${i}`),
    services: (n) => [n, `${n}-pods`, `${n}-standby`],
    petsets: (n) => [n],
    roles: ['primary', 'standby'],
  },
  {
    kind: 'MySQL',
    plural: 'mysqls',
    container: 'mysql',
    user: 'root',
    spec: () => ({
      version: '8.0.36',
      replicas: 3,
      topology: { mode: 'GroupReplication' },
      storage: storage(),
      podTemplate: resources('mysql'),
    }),
    pods: (n) => [0, 1, 2].map((i) => `${n}-${i}`),
    services: (n) => [n, `${n}-pods`, `${n}-standby`],
    petsets: (n) => [n],
    roles: ['primary', 'standby'],
  },
  {
    kind: 'MongoDB',
    plural: 'mongodbs',
    container: 'mongodb',
    user: 'root',
    spec: () => ({
      version: '7.0.8',
      replicas: 3,
      replicaSet: { name: 'rs0' },
      storage: storage(),
      podTemplate: resources('mongodb'),
    }),
    pods: (n) => [0, 1, 2].map((i) => `${n}-${i}`),
    services: (n) => [n, `${n}-pods`],
    petsets: (n) => [n],
    roles: ['primary', 'standby'],
    claim: 'datadir',
  },
  {
    kind: 'MariaDB',
    plural: 'mariadbs',
    container: 'mariadb',
    user: 'root',
    spec: () => ({
      version: '11.2.2',
      replicas: 3,
      storage: storage(),
      podTemplate: resources('mariadb'),
    }),
    pods: (n) => [0, 1, 2].map((i) => `${n}-${i}`),
    services: (n) => [n, `${n}-pods`],
    petsets: (n) => [n],
  },
  {
    kind: 'Redis',
    plural: 'redises',
    container: 'redis',
    user: 'default',
    spec: () => ({
      version: '7.2.4',
      mode: 'Cluster',
      cluster: { shards: 3, replicas: 2 },
      storage: storage(),
      podTemplate: resources('redis'),
    }),
    pods: (n) => [0, 1, 2].flatMap((s) => [`${n}-shard${s}-0`, `${n}-shard${s}-1`]),
    services: (n) => [n, `${n}-pods`],
    petsets: (n) => [0, 1, 2].map((s) => `${n}-shard${s}`),
    roles: ['master', 'slave'],
  },
  {
    kind: 'Elasticsearch',
    plural: 'elasticsearches',
    container: 'elasticsearch',
    user: 'elastic',
    spec: () => ({
      version: 'xpack-8.13.4',
      topology: {
        master: { replicas: 1, storage: storage(), podTemplate: resources('elasticsearch') },
        ingest: { replicas: 1, storage: storage(), podTemplate: resources('elasticsearch') },
        data: { replicas: 2, storage: storage('2Gi'), podTemplate: resources('elasticsearch') },
      },
    }),
    pods: (n) => [`${n}-master-0`, `${n}-ingest-0`, `${n}-data-0`, `${n}-data-1`],
    services: (n) => [n, `${n}-master`, `${n}-pods`],
    petsets: (n) => [`${n}-master`, `${n}-ingest`, `${n}-data`],
  },
];

/** A database object through client-node, and its phase as the cluster's state has it. */
export interface DbApi {
  create(spec: Record<string, unknown>): Promise<unknown>;
  get(): Promise<{
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
    status?: Record<string, unknown>;
  }>;
  replace(body: unknown): Promise<unknown>;
  delete(): Promise<unknown>;
  phase(): string | undefined;
}

/** The cluster of one test file and what its tests do with it. */
export interface SimDatabases {
  readonly cluster: SimCluster;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** The number of the last namespace made by `newNamespace` (`t<N>`). */
  counter: () => number;
  newNamespace: () => Promise<string>;
  dbApi: (c: EngineCase, namespace: string, name: string) => DbApi;
  /** Creates a database of `c` (its spec, overridden by `spec`) and waits until it is Ready. */
  provision: (
    c: EngineCase,
    spec?: Record<string, unknown>,
  ) => Promise<{ namespace: string; name: string; api: DbApi }>;
}

/** Starts a cluster named `name` (operator seed `seed`) before the file's tests, stops it after. */
export function useSimDatabases(name: string, seed: number): SimDatabases {
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

  const sim: SimDatabases = {
    get cluster() {
      return started(cluster);
    },
    get core() {
      return started(core);
    },
    get custom() {
      return started(custom);
    },
    counter: () => counter,
    async newNamespace() {
      const namespace = `t${++counter}`;
      await sim.core.createNamespace({ body: { metadata: { name: namespace } } });
      return namespace;
    },
    dbApi(c, namespace, dbName) {
      const ref = { group: 'kubedb.com', version: 'v1', namespace, plural: c.plural };
      return {
        create: (spec) =>
          sim.custom.createNamespacedCustomObject({
            ...ref,
            body: {
              apiVersion: 'kubedb.com/v1',
              kind: c.kind,
              metadata: { name: dbName, namespace },
              spec,
            },
          }),
        get: async () =>
          (await sim.custom.getNamespacedCustomObject({ ...ref, name: dbName })) as Awaited<
            ReturnType<DbApi['get']>
          >,
        replace: (body) => sim.custom.replaceNamespacedCustomObject({ ...ref, name: dbName, body }),
        delete: () => sim.custom.deleteNamespacedCustomObject({ ...ref, name: dbName }),
        phase: () => phaseOf(sim.cluster.state.get('kubedb.com/v1', c.kind, namespace, dbName)),
      };
    },
    async provision(c, spec = {}) {
      const namespace = await sim.newNamespace();
      const dbName = c.plural.slice(0, 2) + counter;
      const api = sim.dbApi(c, namespace, dbName);
      await api.create({ ...c.spec(dbName), ...spec });
      await waitFor(() => api.phase() === 'Ready', `${c.kind} ${dbName} Ready`);
      return { namespace, name: dbName, api };
    },
  };
  return sim;
}

/** Whether `read` finds the object (false on 404; other errors are thrown). */
export async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
