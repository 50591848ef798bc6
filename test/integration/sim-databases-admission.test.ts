/**
 * The simulated KubeDB provisioner's admission of databases (catalog versions, topology limits,
 * pre-created secrets, Sentinel and sharded layouts) and its fault admin routes.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../sim/operator/test-support';
import { CASES, storage, useSimDatabases, type EngineCase } from '../helpers/sim-databases';

const sim = useSimDatabases('sim-db-admission', 7);
const { newNamespace, dbApi, provision } = sim;

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
    await sim.core.createNamespacedSecret({
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
    const secret = await sim.core.readNamespacedSecret({ name: 'billing-my-auth', namespace });
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('chosen-by-me');
    expect((await sim.core.listNamespacedSecret({ namespace })).items).toHaveLength(1);
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
    const services = (await sim.core.listNamespacedService({ namespace })).items
      .map((s) => s.metadata?.name)
      .sort();
    expect(services).toEqual([
      'cache-sen',
      'cache-sen-pods',
      'session-rd',
      'session-rd-pods',
      'session-rd-standby',
    ]);
    const sentinelPod = await sim.core.readNamespacedPod({ name: 'cache-sen-0', namespace });
    expect(sentinelPod.spec?.containers.map((c) => c.name)).toEqual(['redissentinel']);
    const redisPod = await sim.core.readNamespacedPod({ name: 'session-rd-0', namespace });
    expect(redisPod.spec?.containers.map((c) => c.name)).toEqual(['redis', 'rd-coordinator']);
    expect((await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(
      3,
    );
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
    const petsets = sim.cluster.state
      .list('apps.k8s.appscode.com/v1', 'PetSet', { namespace })
      .map((p) => p.metadata.name)
      .sort();
    expect(petsets).toEqual(['sh-configsvr', 'sh-mongos', 'sh-shard0', 'sh-shard1']);
    expect(sim.cluster.state.list('v1', 'Pod', { namespace })).toHaveLength(11);
    expect(sim.cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })).toHaveLength(9);
    const mongos = sim.cluster.state.get('v1', 'Service', namespace, 'sh');
    expect(
      (mongos?.spec as { selector: Record<string, string> }).selector[
        'mongodb.kubedb.com/node.mongos'
      ],
    ).toBe('sh-mongos');
  });
});

describe('operator fault admin routes', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${sim.cluster.url}/_sim/operator/${path}`, {
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
