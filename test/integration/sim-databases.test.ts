/**
 * The simulated KubeDB provisioner, driven over HTTP with client-node: objects, labels, phases,
 * deletion policies, halting and pod failures, for each of the six engines.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, phaseOf, recordPhases, waitFor } from '../../sim/operator/test-support';

const storage = (size = '1Gi') => ({
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: size } },
});
const resources = (container: string) => ({
  spec: {
    containers: [
      {
        name: container,
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
      },
    ],
  },
});

interface EngineCase {
  kind: string;
  plural: string;
  container: string;
  user: string;
  spec: (name: string) => Record<string, unknown>;
  pods: (name: string) => string[];
  services: (name: string) => string[];
  petsets: (name: string) => string[];
  roles?: [string, string];
}

const CASES: EngineCase[] = [
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

let cluster: SimCluster;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let counter = 0;

beforeAll(async () => {
  cluster = await startSimCluster({
    name: 'sim-db',
    speed: 200,
    seed: 7,
    crdsDir: crdsDirForTests(),
  });
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});

afterAll(async () => {
  await cluster?.stop();
});

async function newNamespace(): Promise<string> {
  const name = `t${++counter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function dbApi(c: EngineCase, namespace: string, name: string) {
  const ref = { group: 'kubedb.com', version: 'v1', namespace, plural: c.plural };
  return {
    create: (spec: Record<string, unknown>) =>
      custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: 'kubedb.com/v1', kind: c.kind, metadata: { name, namespace }, spec },
      }),
    get: async () =>
      (await custom.getNamespacedCustomObject({ ...ref, name })) as {
        metadata: Record<string, unknown>;
        spec: Record<string, unknown>;
        status?: Record<string, unknown>;
      },
    replace: (body: unknown) => custom.replaceNamespacedCustomObject({ ...ref, name, body }),
    delete: () => custom.deleteNamespacedCustomObject({ ...ref, name }),
    phase: () => phaseOf(cluster.state.get('kubedb.com/v1', c.kind, namespace, name)),
  };
}

async function provision(c: EngineCase, spec: Record<string, unknown> = {}) {
  const namespace = await newNamespace();
  const name = c.plural.slice(0, 2) + counter;
  const api = dbApi(c, namespace, name);
  await api.create({ ...c.spec(name), ...spec });
  await waitFor(() => api.phase() === 'Ready', `${c.kind} ${name} Ready`);
  return { namespace, name, api };
}

const exists = async (read: () => Promise<unknown>): Promise<boolean> => {
  try {
    await read();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
};

describe.each(CASES)('$kind', (c) => {
  it('creates the auth secret, services, PetSets, pods and PVCs and walks Provisioning to Ready', async () => {
    const namespace = await newNamespace();
    const name = `db${counter}`;
    const recorder = recordPhases(cluster.state, c.kind, namespace, name);
    const api = dbApi(c, namespace, name);
    await api.create(c.spec(name));
    await waitFor(() => api.phase() === 'Ready', `${c.kind} Ready`);
    recorder.stop();
    expect(recorder.phases[0]).toBe('Provisioning');
    expect(recorder.phases[recorder.phases.length - 1]).toBe('Ready');

    const db = await api.get();
    expect((db.spec.authSecret as { name: string }).name).toBe(`${name}-auth`);
    expect(db.metadata.finalizers).toContain('kubedb.com');
    const status = db.status as {
      observedGeneration: number;
      conditions: { type: string; status: string }[];
    };
    expect(status.observedGeneration).toBe(db.metadata.generation);
    expect(status.conditions.map((x) => x.type)).toEqual([
      'ProvisioningStarted',
      'ReplicaReady',
      'AcceptingConnection',
      'Ready',
      'Provisioned',
    ]);

    const secret = await core.readNamespacedSecret({ name: `${name}-auth`, namespace });
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(Buffer.from(secret.data?.username ?? '', 'base64').toString()).toBe(c.user);
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toHaveLength(16);

    const services = (await core.listNamespacedService({ namespace })).items
      .map((s) => s.metadata?.name)
      .sort();
    expect(services).toEqual(c.services(name).sort());
    for (const petset of c.petsets(name)) {
      const ps = (await custom.getNamespacedCustomObject({
        group: 'apps.k8s.appscode.com',
        version: 'v1',
        namespace,
        plural: 'petsets',
        name: petset,
      })) as { metadata: { ownerReferences: { name: string }[] } };
      expect(ps.metadata.ownerReferences[0]?.name).toBe(name);
    }

    const pods = (
      await core.listNamespacedPod({
        namespace,
        labelSelector: `app.kubernetes.io/instance=${name}`,
      })
    ).items;
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(c.pods(name).sort());
    for (const pod of pods) {
      expect(pod.metadata?.labels).toMatchObject({
        'app.kubernetes.io/name': `${c.plural}.kubedb.com`,
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/component': 'database',
      });
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
      const main = pod.spec?.containers.find((x) => x.name === c.container);
      expect(main?.resources?.requests).toEqual({ cpu: '250m', memory: '512Mi' });
    }
    if (c.roles) {
      const roles = pods.map((p) => p.metadata?.labels?.['kubedb.com/role']);
      expect(roles).toContain(c.roles[0]);
      expect(roles).toContain(c.roles[1]);
    }
    const pvcs = (await core.listNamespacedPersistentVolumeClaim({ namespace })).items
      .map((p) => p.metadata?.name)
      .sort();
    expect(pvcs).toEqual(
      c
        .pods(name)
        .map((p) => `data-${p}`)
        .sort(),
    );
  });

  it('Delete keeps the auth secret and removes the workload and the PVCs', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'Delete' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () =>
        (await core.listNamespacedPersistentVolumeClaim({ namespace })).items.length === 0,
      'PVCs gone',
    );
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await core.listNamespacedService({ namespace })).items).toHaveLength(0);
    expect(await exists(() => core.readNamespacedSecret({ name: `${name}-auth`, namespace }))).toBe(
      true,
    );
  });

  it('WipeOut removes the secrets and the PVCs', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'WipeOut' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () =>
        (await core.listNamespacedPersistentVolumeClaim({ namespace })).items.length === 0,
      'PVCs gone',
    );
    expect(await exists(() => core.readNamespacedSecret({ name: `${name}-auth`, namespace }))).toBe(
      false,
    );
  });

  it('Halt keeps the PVCs and secrets when the database is deleted', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'Halt' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(
      c.pods(name).length,
    );
    expect(await exists(() => core.readNamespacedSecret({ name: `${name}-auth`, namespace }))).toBe(
      true,
    );
  });

  it('DoNotTerminate refuses the deletion at admission', async () => {
    const { api } = await provision(c, { deletionPolicy: 'DoNotTerminate' });
    const error = await api.delete().then(
      () => undefined,
      (e: { code: number; body: string }) => e,
    );
    expect(error?.code).toBe(400);
    expect(String(error?.body)).toContain("can't be terminated");
    expect(api.phase()).toBe('Ready');
  });

  it('halts with spec.halted and resumes when un-halted', async () => {
    const { namespace, name, api } = await provision(c);
    const db = await api.get();
    await api.replace({ ...db, spec: { ...db.spec, halted: true } });
    await waitFor(() => api.phase() === 'Halted', 'Halted');
    expect((await api.get()).spec.deletionPolicy).toBe('Halt');
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(
      c.pods(name).length,
    );
    const halted = await api.get();
    await api.replace({ ...halted, spec: { ...halted.spec, halted: false } });
    await waitFor(() => api.phase() === 'Ready', 'Ready again');
    expect((await core.listNamespacedPod({ namespace })).items).toHaveLength(c.pods(name).length);
  });

  it('goes Critical while a pod crashes and Ready when it recovers', async () => {
    const { namespace, name, api } = await provision(c);
    const pod = c.pods(name)[0] as string;
    cluster.faults.crashPod(namespace, pod);
    await waitFor(() => api.phase() === 'Critical', 'Critical');
    const crashed = await core.readNamespacedPod({ name: pod, namespace });
    expect(crashed.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    cluster.faults.recoverPod(namespace, pod);
    await waitFor(() => api.phase() === 'Ready', 'Ready after recovery');
  });

  it('recreates a pod a client deletes, passing through Critical', async () => {
    const { namespace, name, api } = await provision(c);
    const recorder = recordPhases(cluster.state, c.kind, namespace, name);
    const pod = c.pods(name)[1] as string;
    const before = await core.readNamespacedPod({ name: pod, namespace });
    await core.deleteNamespacedPod({ name: pod, namespace });
    await waitFor(async () => {
      const next = await core.readNamespacedPod({ name: pod, namespace });
      return next.metadata?.uid !== before.metadata?.uid && api.phase() === 'Ready';
    }, 'pod recreated and Ready');
    recorder.stop();
    expect(recorder.phases).toEqual(['Critical', 'Ready']);
  });

  it('goes NotReady when every pod is down and Ready when they return', async () => {
    const { namespace, name, api } = await provision(c);
    cluster.faults.downDatabase(c.kind, namespace, name);
    await waitFor(() => api.phase() === 'NotReady', 'NotReady');
    cluster.faults.recoverDatabase(c.kind, namespace, name);
    await waitFor(() => api.phase() === 'Ready', 'Ready');
  });
});

describe('admission of databases', () => {
  it('refuses a missing catalog version and a deprecated one, and applies the defaults', async () => {
    const namespace = await newNamespace();
    const api = (name: string) => dbApi(CASES[0] as EngineCase, namespace, name);
    const missing = await api('a')
      .create({ version: '99.9', storage: storage() })
      .then(
        () => undefined,
        (e: { code: number; body: string }) => e,
      );
    expect(missing?.code).toBe(400);
    expect((JSON.parse(String(missing?.body)) as { message: string }).message).toContain(
      'failed to get PostgresVersion "99.9"',
    );
    const deprecated = await api('b')
      .create({ version: '13.13', storage: storage() })
      .then(
        () => undefined,
        (e: { code: number; body: string }) => e,
      );
    expect(String(deprecated?.body)).toContain('deprecated');
    await api('c').create({ version: '16.4', storage: storage() });
    const created = await api('c').get();
    expect(created.spec).toMatchObject({
      deletionPolicy: 'Delete',
      storageType: 'Durable',
      replicas: 1,
    });
  });

  it('refuses a MySQL group outside 3..9 and a Redis cluster with fewer than 3 shards', async () => {
    const namespace = await newNamespace();
    const my = dbApi(CASES[1] as EngineCase, namespace, 'my');
    const tooSmall = await my
      .create({
        version: '8.0.36',
        replicas: 2,
        topology: { mode: 'GroupReplication' },
        storage: storage(),
      })
      .then(
        () => undefined,
        (e: { code: number; body: string }) => e,
      );
    expect(String(tooSmall?.body)).toContain('[3, 9]');
    const rd = dbApi(CASES[4] as EngineCase, namespace, 'rd');
    const shards = await rd
      .create({
        version: '7.2.4',
        mode: 'Cluster',
        cluster: { shards: 2, replicas: 2 },
        storage: storage(),
      })
      .then(
        () => undefined,
        (e: { code: number; body: string }) => e,
      );
    expect(String(shards?.body)).toContain('shards');
  });

  it('uses a pre-created auth secret named in spec.authSecret instead of generating one', async () => {
    const namespace = await newNamespace();
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'billing-my-auth' },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'root', password: 'chosen-by-me' },
      },
    });
    const api = dbApi(CASES[1] as EngineCase, namespace, 'billing-my');
    await api.create({
      version: '8.4.8',
      replicas: 3,
      topology: { mode: 'GroupReplication', group: { mode: 'Single-Primary' } },
      storage: storage(),
      authSecret: { name: 'billing-my-auth' },
      deletionPolicy: 'WipeOut',
    });
    await waitFor(() => api.phase() === 'Ready', 'Ready');
    const secret = await core.readNamespacedSecret({ name: 'billing-my-auth', namespace });
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('chosen-by-me');
    expect((await core.listNamespacedSecret({ namespace })).items).toHaveLength(1);
  });

  it('provisions a RedisSentinel and a Redis in Sentinel mode that points at it', async () => {
    const namespace = await newNamespace();
    const sentinel = {
      ...(CASES[4] as EngineCase),
      kind: 'RedisSentinel',
      plural: 'redissentinels',
    };
    const sen = dbApi(sentinel, namespace, 'cache-sen');
    await sen.create({
      version: '7.4.6',
      replicas: 3,
      storageType: 'Durable',
      storage: storage(),
      deletionPolicy: 'Delete',
    });
    const rd = dbApi(CASES[4] as EngineCase, namespace, 'session-rd');
    await rd.create({
      version: '7.4.6',
      mode: 'Sentinel',
      replicas: 3,
      sentinelRef: { name: 'cache-sen', namespace },
      storageType: 'Ephemeral',
      deletionPolicy: 'WipeOut',
    });
    await waitFor(
      () => sen.phase() === 'Ready' && rd.phase() === 'Ready',
      'sentinel and Redis Ready',
    );
    const services = (await core.listNamespacedService({ namespace })).items
      .map((s) => s.metadata?.name)
      .sort();
    expect(services).toEqual([
      'cache-sen',
      'cache-sen-pods',
      'session-rd',
      'session-rd-pods',
      'session-rd-standby',
    ]);
    const sentinelPod = await core.readNamespacedPod({ name: 'cache-sen-0', namespace });
    expect(sentinelPod.spec?.containers.map((c) => c.name)).toEqual(['redissentinel']);
    const redisPod = await core.readNamespacedPod({ name: 'session-rd-0', namespace });
    expect(redisPod.spec?.containers.map((c) => c.name)).toEqual(['redis', 'rd-coordinator']);
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(3);
  });

  it('provisions a sharded MongoDB with shard, config server and mongos PetSets', async () => {
    const namespace = await newNamespace();
    const api = dbApi(CASES[2] as EngineCase, namespace, 'sh');
    await api.create({
      version: '7.0.8',
      shardTopology: {
        shard: { shards: 2, replicas: 3, storage: storage() },
        configServer: { replicas: 3, storage: storage() },
        mongos: { replicas: 2 },
      },
    });
    await waitFor(() => api.phase() === 'Ready', 'sharded MongoDB Ready');
    const petsets = cluster.state
      .list('apps.k8s.appscode.com/v1', 'PetSet', { namespace })
      .map((p) => p.metadata.name)
      .sort();
    expect(petsets).toEqual(['sh-configsvr', 'sh-mongos', 'sh-shard0', 'sh-shard1']);
    expect(cluster.state.list('v1', 'Pod', { namespace })).toHaveLength(11);
    expect(cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })).toHaveLength(9);
    const mongos = cluster.state.get('v1', 'Service', namespace, 'sh');
    expect(
      (mongos?.spec as { selector: Record<string, string> }).selector[
        'mongodb.kubedb.com/node.mongos'
      ],
    ).toBe('sh-mongos');
  });
});

describe('operator fault admin routes', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${cluster.url}/_sim/operator/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('crashes and recovers a pod of a database named in POST /_sim/operator/crash-pod', async () => {
    const c = CASES[0] as EngineCase;
    const { namespace, name, api } = await provision(c);
    const crash = await post('crash-pod', { namespace, pod: name });
    expect(crash.status).toBe(200);
    await waitFor(() => api.phase() === 'Critical', 'Critical through the admin route');
    expect((await post('recover-pod', { namespace, pod: name })).status).toBe(200);
    await waitFor(() => api.phase() === 'Ready', 'Ready through the admin route');
    expect((await post('down-database', { kind: c.kind, namespace, name })).status).toBe(200);
    await waitFor(() => api.phase() === 'NotReady', 'NotReady through the admin route');
    expect((await post('recover-database', { kind: c.kind, namespace, name })).status).toBe(200);
    await waitFor(() => api.phase() === 'Ready', 'Ready again');
  });

  it('answers 400 for a missing field and 404 for an unknown fault', async () => {
    expect((await post('crash-pod', { namespace: 'x' })).status).toBe(400);
    expect((await post('set-on-fire', {})).status).toBe(404);
  });
});
