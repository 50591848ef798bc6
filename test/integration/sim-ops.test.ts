/**
 * The simulated KubeDB ops-manager over HTTP: every common OpsRequest type per engine reaches
 * Successful and its change lands on the database, its pods and PVCs; scheduling (one at a time,
 * Skipped duplicates, IfReady), timeouts, webhook refusals and ops faults.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, phaseOf, recordPhases, waitFor } from '../../sim/operator/test-support';

const storage = {
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: '1Gi' } },
};
const bigger = { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } };

interface Engine {
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

const ENGINES: Engine[] = [
  {
    kind: 'Postgres',
    plural: 'postgreses',
    opsPlural: 'postgresopsrequests',
    opsKind: 'PostgresOpsRequest',
    container: 'postgres',
    key: 'postgres',
    spec: { version: '16.1', replicas: 3, storage },
    upgrade: { to: '16.4', image: ':16.4' },
    scale: { block: { replicas: 4 }, pods: 4 },
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

let cluster: SimCluster;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let counter = 0;

beforeAll(async () => {
  cluster = await startSimCluster({
    name: 'sim-ops',
    speed: 200,
    seed: 11,
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

async function readyDatabase(
  e: Engine,
  extra: Record<string, unknown> = {},
): Promise<{ namespace: string; name: string }> {
  const namespace = `ops${++counter}`;
  const name = 'db';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await custom.createNamespacedCustomObject({
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
  return cluster.state.get('kubedb.com/v1', e.kind, namespace, name);
}

function createOps(
  e: Engine,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<unknown> {
  return custom.createNamespacedCustomObject({
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
  cluster.state.get('ops.kubedb.com/v1alpha1', e.opsKind, namespace, name);

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
  cluster.state.list('v1', 'Pod', { namespace, labels: { 'app.kubernetes.io/instance': 'db' } });
const mainOf = (pod: KubeObject, container: string) =>
  (
    pod.spec as { containers: { name: string; image: string; resources: unknown }[] }
  ).containers.find((c) => c.name === container);
const conditionTypes = (o: KubeObject) =>
  ((o.status as { conditions: { type: string }[] }).conditions ?? []).map((c) => c.type);

describe.each(ENGINES)('$kind OpsRequests', (e) => {
  it('UpdateVersion moves the database and its pods to the target version', async () => {
    const { namespace } = await readyDatabase(e);
    const done = await runOps(e, namespace, 'upgrade', {
      type: 'UpdateVersion',
      updateVersion: { targetVersion: e.upgrade.to },
    });
    expect(conditionTypes(done)).toEqual([
      'Progressing',
      'UpdatePetSets',
      'RestartPods',
      'UpdateVersion',
      'Successful',
    ]);
    expect((db(e, namespace)?.spec as { version: string }).version).toBe(e.upgrade.to);
    for (const pod of pods(namespace))
      expect(mainOf(pod, e.container)?.image).toContain(e.upgrade.image);
    await waitFor(() => phaseOf(db(e, namespace)) === 'Ready', 'Ready after the upgrade');
  });

  it('HorizontalScaling changes the number of pods', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'scale', {
      type: 'HorizontalScaling',
      horizontalScaling: e.scale.block,
    });
    expect(pods(namespace)).toHaveLength(e.scale.pods);
    expect(cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })).toHaveLength(
      e.scale.pods,
    );
    await waitFor(() => phaseOf(db(e, namespace)) === 'Ready', 'Ready after scaling');
  });

  it('VerticalScaling changes the container resources on the database and the pods', async () => {
    const { namespace } = await readyDatabase(e);
    const before = pods(namespace).map((p) => p.metadata.uid);
    await runOps(e, namespace, 'vscale', {
      type: 'VerticalScaling',
      verticalScaling: { [e.key]: { resources: bigger } },
    });
    const containers = (
      db(e, namespace)?.spec as {
        podTemplate: { spec: { containers: { name: string; resources: unknown }[] } };
      }
    ).podTemplate.spec.containers;
    expect(containers.find((c) => c.name === e.container)?.resources).toEqual(bigger);
    for (const pod of pods(namespace)) {
      expect(mainOf(pod, e.container)?.resources).toEqual(bigger);
      expect(before).not.toContain(pod.metadata.uid);
    }
  });

  it('VolumeExpansion grows the PVCs and the storage in the spec', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'grow', {
      type: 'VolumeExpansion',
      volumeExpansion: { mode: 'Online', [e.key]: '2Gi' },
    });
    expect(
      (db(e, namespace)?.spec as { storage: { resources: { requests: { storage: string } } } })
        .storage.resources.requests.storage,
    ).toBe('2Gi');
    for (const pvc of cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })) {
      expect(pvc.spec).toMatchObject({ resources: { requests: { storage: '2Gi' } } });
      expect(pvc.status).toMatchObject({ capacity: { storage: '2Gi' } });
    }
  });

  it('Restart replaces every pod', async () => {
    const { namespace } = await readyDatabase(e);
    const before = pods(namespace).map((p) => p.metadata.uid);
    const done = await runOps(e, namespace, 'restart', { type: 'Restart', restart: {} });
    expect(conditionTypes(done)).toContain('RestartPods');
    const after = pods(namespace);
    expect(after).toHaveLength(before.length);
    for (const pod of after) expect(before).not.toContain(pod.metadata.uid);
    const reasons = cluster.state
      .list('v1', 'Event', { namespace })
      .filter((ev) => (ev.involvedObject as { name: string }).name === 'restart')
      .map((ev) => ev.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Starting', 'RestartPods', 'Successful']));
  });

  it('Reconfigure applies the configuration to the database', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'reconfigure', {
      type: 'Reconfigure',
      configuration: e.configuration,
    });
    const inline = (db(e, namespace)?.spec as { configuration: { inline: Record<string, string> } })
      .configuration.inline;
    expect(Object.keys(inline)).toContain(e.configFile);
  });

  it('ReconfigureTLS adds TLS with certificate secrets', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'tls', {
      type: 'ReconfigureTLS',
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca-issuer' } },
    });
    expect(db(e, namespace)?.spec).toMatchObject({ tls: { issuerRef: { name: 'ca-issuer' } } });
    expect(cluster.state.get('v1', 'Secret', namespace, 'db-server-cert')).toBeDefined();
  });

  it('RotateAuth changes the password and keeps the previous one', async () => {
    const { namespace } = await readyDatabase(e);
    const before = (await core.readNamespacedSecret({ name: 'db-auth', namespace })).data ?? {};
    await runOps(e, namespace, 'rotate', { type: 'RotateAuth' });
    const after = (await core.readNamespacedSecret({ name: 'db-auth', namespace })).data ?? {};
    expect(after.password).not.toBe(before.password);
    expect(after['password.prev']).toBe(before.password);
    expect(after.username).toBe(before.username);
  });
});

const PG = ENGINES[0] as Engine;
const MY = ENGINES[1] as Engine;

describe('OpsRequest scheduling and faults', () => {
  it('runs one OpsRequest at a time per database, oldest first, with the database Paused', async () => {
    const { namespace } = await readyDatabase(PG);
    const progressing = new Set<string>();
    let maxConcurrent = 0;
    const started: string[] = [];
    let pausedSeen = false;
    const stop = cluster.state.subscribe(({ object }) => {
      if (
        object.kind === 'Postgres' &&
        object.metadata.namespace === namespace &&
        conditionTypes(object).includes('Paused')
      )
        pausedSeen = true;
      if (object.kind !== PG.opsKind || object.metadata.namespace !== namespace) return;
      const name = object.metadata.name ?? '';
      if (phaseOf(object) === 'Progressing') {
        if (!progressing.has(name)) started.push(name);
        progressing.add(name);
      } else progressing.delete(name);
      maxConcurrent = Math.max(maxConcurrent, progressing.size);
    });
    await createOps(PG, namespace, 'a-restart', { type: 'Restart', restart: {} });
    await createOps(PG, namespace, 'b-vscale', {
      type: 'VerticalScaling',
      verticalScaling: { postgres: { resources: bigger } },
    });
    await createOps(PG, namespace, 'c-grow', {
      type: 'VolumeExpansion',
      volumeExpansion: { mode: 'Offline', postgres: '3Gi' },
    });
    await waitFor(
      () =>
        ['a-restart', 'b-vscale', 'c-grow'].every(
          (n) => phaseOf(ops(PG, namespace, n)) === 'Successful',
        ),
      'all three Successful',
      20_000,
    );
    stop();
    expect(maxConcurrent).toBe(1);
    expect(started).toEqual(['a-restart', 'b-vscale', 'c-grow']);
    expect(pausedSeen).toBe(true);
    expect(conditionTypes(db(PG, namespace) as KubeObject)).not.toContain('Paused');
  });

  it('waits while the database is not Ready (IfReady) and skips older Pending duplicates', async () => {
    const { namespace } = await readyDatabase(PG);
    cluster.faults.crashPod(namespace, 'db-1');
    await waitFor(() => phaseOf(db(PG, namespace)) === 'Critical', 'Critical');
    await createOps(PG, namespace, 'restart-1', { type: 'Restart', restart: {} });
    await createOps(PG, namespace, 'restart-2', { type: 'Restart', restart: {} });
    await waitFor(
      () => phaseOf(ops(PG, namespace, 'restart-1')) === 'Skipped',
      'older duplicate Skipped',
    );
    expect(phaseOf(ops(PG, namespace, 'restart-2'))).toBe('Pending');
    expect(conditionTypes(ops(PG, namespace, 'restart-1') as KubeObject)).toContain('Skipped');
    cluster.faults.recoverPod(namespace, 'db-1');
    await waitFor(
      () => phaseOf(ops(PG, namespace, 'restart-2')) === 'Successful',
      'newest runs once Ready',
    );
  });

  it('fails a step that overruns spec.timeout (stuck OpsRequest)', async () => {
    const { namespace } = await readyDatabase(PG);
    cluster.faults.stickNextOpsRequest(namespace, 'db');
    const recorder = recordPhases(cluster.state, PG.opsKind, namespace, 'stuck');
    await createOps(PG, namespace, 'stuck', { type: 'Restart', restart: {}, timeout: '1m' });
    const failed = await waitFor(
      () =>
        phaseOf(ops(PG, namespace, 'stuck')) === 'Failed' ? ops(PG, namespace, 'stuck') : undefined,
      'Failed on timeout',
    );
    recorder.stop();
    expect(recorder.phases).toEqual(['Pending', 'Progressing', 'Failed']);
    const conditions = (
      failed.status as { conditions: { type: string; status: string; reason: string }[] }
    ).conditions;
    expect(conditions.find((c) => c.type === 'RestartPods')).toMatchObject({
      status: 'False',
      reason: 'Timeout',
    });
    await createOps(PG, namespace, 'after', { type: 'Restart', restart: {} });
    await waitFor(() => phaseOf(ops(PG, namespace, 'after')) === 'Successful', 'the next one runs');
  });

  it('fails the next OpsRequest with the injected reason and leaves the database as it was', async () => {
    const { namespace } = await readyDatabase(PG);
    cluster.faults.failNextOpsRequest(namespace, 'db', 'disk on fire');
    await createOps(PG, namespace, 'doomed', {
      type: 'HorizontalScaling',
      horizontalScaling: { replicas: 5 },
    });
    const failed = await waitFor(
      () =>
        phaseOf(ops(PG, namespace, 'doomed')) === 'Failed'
          ? ops(PG, namespace, 'doomed')
          : undefined,
      'Failed',
    );
    expect(JSON.stringify(failed.status)).toContain('disk on fire');
    expect((db(PG, namespace)?.spec as { replicas: number }).replicas).toBe(3);
    await waitFor(
      () => !conditionTypes(db(PG, namespace) as KubeObject).includes('Paused'),
      'unpaused',
    );
  });

  it('fails a rolling restart that cannot finish within the timeout (apply: Always on a crashed pod)', async () => {
    const { namespace } = await readyDatabase(PG);
    cluster.faults.crashPod(namespace, 'db-0');
    await createOps(PG, namespace, 'restart', {
      type: 'Restart',
      restart: {},
      apply: 'Always',
      timeout: '30s',
    });
    await waitFor(() => phaseOf(ops(PG, namespace, 'restart')) === 'Failed', 'Failed');
    cluster.faults.recoverPod(namespace, 'db-0');
  });

  it('moves the primary role with ForceFailOver', async () => {
    const { namespace } = await readyDatabase(PG);
    await runOps(PG, namespace, 'failover', {
      type: 'ForceFailOver',
      forceFailOver: { candidates: ['db-2'] },
    });
    expect(
      cluster.state.get('v1', 'Pod', namespace, 'db-2')?.metadata.labels?.['kubedb.com/role'],
    ).toBe('primary');
    expect(
      cluster.state.get('v1', 'Pod', namespace, 'db-0')?.metadata.labels?.['kubedb.com/role'],
    ).toBe('standby');
  });

  it('refuses invalid requests at admission like the ops webhook', async () => {
    const { namespace } = await readyDatabase(PG, { version: '16.4' });
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: { code: number; body: string }) => ({
          code: err.code,
          message: (JSON.parse(err.body) as { message: string }).message,
        }),
      );
    const downgrade = await refused(
      createOps(PG, namespace, 'down', {
        type: 'UpdateVersion',
        updateVersion: { targetVersion: '16.1' },
      }),
    );
    expect(downgrade).toMatchObject({ code: 400 });
    expect(downgrade?.message).toContain('not supported');
    const shrink = await refused(
      createOps(PG, namespace, 'shrink', {
        type: 'VolumeExpansion',
        volumeExpansion: { mode: 'Online', postgres: '512Mi' },
      }),
    );
    expect(shrink?.message).toContain('must be greater');
    const missing = await refused(
      custom.createNamespacedCustomObject({
        group: 'ops.kubedb.com',
        version: 'v1alpha1',
        namespace,
        plural: PG.opsPlural,
        body: {
          apiVersion: 'ops.kubedb.com/v1alpha1',
          kind: PG.opsKind,
          metadata: { name: 'ghost' },
          spec: { type: 'Restart', databaseRef: { name: 'nope' }, restart: {} },
        },
      }),
    );
    expect(missing?.message).toContain('"nope" not found');
    const my = await readyDatabase(MY);
    for (const member of [2, 10]) {
      const group = await refused(
        createOps(MY, my.namespace, `group-${member}`, {
          type: 'HorizontalScaling',
          horizontalScaling: { member },
        }),
      );
      expect(group?.message).toContain('[3, 9]');
    }
  });

  it('treats the OpsRequest spec as immutable', async () => {
    const { namespace } = await readyDatabase(PG);
    await createOps(PG, namespace, 'frozen', { type: 'Restart', restart: {}, apply: 'Always' });
    const current = (await custom.getNamespacedCustomObject({
      group: 'ops.kubedb.com',
      version: 'v1alpha1',
      namespace,
      plural: PG.opsPlural,
      name: 'frozen',
    })) as KubeObject;
    const error = await custom
      .replaceNamespacedCustomObject({
        group: 'ops.kubedb.com',
        version: 'v1alpha1',
        namespace,
        plural: PG.opsPlural,
        name: 'frozen',
        body: { ...current, spec: { ...(current.spec as object), type: 'Reconfigure' } },
      })
      .then(
        () => undefined,
        (err: { code: number }) => err,
      );
    expect(error?.code).toBe(400);
  });
});
