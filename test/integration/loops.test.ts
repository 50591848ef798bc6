import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Engine as EngineName, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * The control loops of issue 5 against a simulated cluster: provisioning to RUNNING through the
 * watch-driven status sync, every day-2 operation of every engine, drift repair, pod failures.
 */

const KINDS: Record<EngineName, string> = {
  postgres: 'Postgres',
  mysql: 'MySQL',
  mongodb: 'MongoDB',
  mariadb: 'MariaDB',
  redis: 'Redis',
  elasticsearch: 'Elasticsearch',
};

const SAMPLES: {
  engine: EngineName;
  mode: string;
  version: string;
  upgrade: string;
  replicas: number;
}[] = [
  { engine: 'postgres', mode: 'cluster', version: '16.1', upgrade: '16.4', replicas: 4 },
  { engine: 'mysql', mode: 'group-replication', version: '8.0.36', upgrade: '8.4.2', replicas: 5 },
  { engine: 'mongodb', mode: 'replicaset', version: '6.0.12', upgrade: '7.0.8', replicas: 5 },
  { engine: 'mariadb', mode: 'galera', version: '10.11.6', upgrade: '11.2.2', replicas: 5 },
  { engine: 'redis', mode: 'sentinel', version: '7.2.4', upgrade: '7.4.6', replicas: 4 },
  {
    engine: 'elasticsearch',
    mode: 'combined',
    version: 'xpack-8.11.1',
    upgrade: 'xpack-8.13.4',
    replicas: 3,
  },
];

async function settled(t: TestEngine, operationId: string, timeoutMs = 30_000): Promise<Operation> {
  return waitFor(
    async () => {
      const operation = await t.engine.services.operations.get(operationId);
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(operation.status) ? operation : null;
    },
    `operation ${operationId} to finish`,
    timeoutMs,
  );
}

async function databaseIs(
  t: TestEngine,
  id: string,
  predicate: (d: Database) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Database> {
  return waitFor(
    async () => {
      const database = await t.engine.services.databases.get(id);
      return predicate(database) ? database : null;
    },
    what,
    timeoutMs,
  );
}

describe('the control loops against a simulated cluster', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;
  const ids = new Map<EngineName, string>();

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: { DBAAS_FAILURE_THRESHOLD_MS: '400' } });
    const provider = await t.engine.services.providers.create({
      name: 'loops',
      kubeconfig: cluster.kubeconfig,
    });
    providerId = provider.id;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('takes a new database of each engine to RUNNING with its endpoint, by watching', async () => {
    for (const sample of SAMPLES) {
      const result = await t.engine.services.databases.create({
        name: `${sample.engine.slice(0, 5)}-loop`,
        engine: sample.engine,
        mode: sample.mode,
        version: sample.version,
        domain: 'acme',
        project: 'loops',
        storage: { size: '1Gi', storageClass: 'standard' },
        providerId,
      });
      if (!('database' in result)) throw new Error('expected a database');
      ids.set(sample.engine, result.database.id);
      const created = await settled(t, result.operation.id);
      expect(created.status, `${sample.engine}: ${JSON.stringify(created.error)}`).toBe(
        'SUCCEEDED',
      );
    }
    for (const sample of SAMPLES) {
      const database = await databaseIs(
        t,
        ids.get(sample.engine)!,
        (d) => d.status === 'RUNNING',
        `${sample.engine} to run`,
      );
      expect(database.phase).toBe('Ready');
      expect(database.endpoint?.host).toBe(`${database.name}.acme-loops.svc`);
      expect(database.readyReplicas).toBeGreaterThan(0);
      expect(database.drift).toEqual([]);
    }
  }, 60_000);

  it('completes every day-2 operation of every engine and the change lands on the cluster', async () => {
    for (const sample of SAMPLES) {
      const id = ids.get(sample.engine)!;
      const kind = KINDS[sample.engine];
      const live = () =>
        cluster.state.get(
          'kubedb.com/v1',
          kind,
          'acme-loops',
          `${sample.engine.slice(0, 5)}-loop`,
        )!;
      const run = async (
        change: () => Promise<{ operation: Operation } | { manifests: unknown[] }>,
        label: string,
      ) => {
        const result = await change();
        if (!('operation' in result)) throw new Error('expected an operation');
        const operation = await settled(t, result.operation.id);
        expect(
          operation.status,
          `${sample.engine} ${label}: ${JSON.stringify(operation.error)}`,
        ).toBe('SUCCEEDED');
        expect(operation.opsRequestName ?? 'none').not.toBe('');
        await databaseIs(
          t,
          id,
          (d) => d.status === 'RUNNING' && d.activeOperationId === null,
          `${sample.engine} to run after ${label}`,
        );
        return operation;
      };

      await run(
        () => t.engine.services.databaseChanges.patch(id, { version: sample.upgrade }),
        'update-version',
      );
      expect((live().spec as { version: string }).version).toBe(sample.upgrade);

      if (sample.engine !== 'elasticsearch' || sample.mode === 'combined') {
        await run(
          () => t.engine.services.databaseChanges.patch(id, { replicas: sample.replicas }),
          'scale-horizontal',
        );
        const database = await t.engine.services.databases.get(id);
        expect(database.replicas).toBe(sample.replicas);
      }

      await run(
        () =>
          t.engine.services.databaseChanges.patch(id, {
            resources: { cpu: '750m', memory: '2Gi' },
          }),
        'scale-vertical',
      );
      expect(JSON.stringify(live().spec)).toContain('750m');

      await run(
        () => t.engine.services.databaseChanges.patch(id, { storage: { size: '2Gi' } }),
        'expand-volume',
      );
      expect(JSON.stringify(live().spec)).toContain('2Gi');

      await run(() => t.engine.services.databaseChanges.act(id, 'restart'), 'restart');
      const before = cluster.state.get(
        'v1',
        'Secret',
        'acme-loops',
        `${sample.engine.slice(0, 5)}-loop-auth`,
      )?.data;
      await run(
        () => t.engine.services.databaseChanges.act(id, 'rotate-credentials'),
        'rotate-credentials',
      );
      const after = cluster.state.get(
        'v1',
        'Secret',
        'acme-loops',
        `${sample.engine.slice(0, 5)}-loop-auth`,
      )?.data;
      expect(after).not.toEqual(before);

      const pause = await t.engine.services.databaseChanges.act(id, 'pause');
      expect((await settled(t, pause.operation.id)).status).toBe('SUCCEEDED');
      await databaseIs(t, id, (d) => d.status === 'PAUSED', `${sample.engine} to pause`);
      expect(live().spec).toMatchObject({ halted: true });
      const resume = await t.engine.services.databaseChanges.act(id, 'resume');
      expect((await settled(t, resume.operation.id)).status).toBe('SUCCEEDED');
      await databaseIs(t, id, (d) => d.status === 'RUNNING', `${sample.engine} to resume`);
    }
  }, 180_000);

  it('fails an operation with KubeDB reason and keeps the database true to the cluster', async () => {
    const id = ids.get('postgres')!;
    const database = await t.engine.services.databases.get(id);
    cluster.faults.failNextOpsRequest('acme-loops', database.name, 'SimulatedFailure');
    const result = await t.engine.services.databaseChanges.patch(id, {
      replicas: database.replicas + 1,
    });
    if (!('operation' in result)) throw new Error('expected an operation');
    const operation = await settled(t, result.operation.id);
    expect(operation.status).toBe('FAILED');
    expect(operation.error?.message).toContain('SimulatedFailure');
    const after = await databaseIs(
      t,
      id,
      (d) => d.activeOperationId === null,
      'the failed operation to release the database',
    );
    expect(after.replicas).toBe(database.replicas);
    expect(after.status).toBe('RUNNING');
  });

  it('repairs drift made on the cluster through an OpsRequest', async () => {
    const id = ids.get('mongodb')!;
    const database = await t.engine.services.databases.get(id);
    cluster.state.patch(
      'kubedb.com/v1',
      'MongoDB',
      'acme-loops',
      database.name,
      { spec: { replicas: database.replicas + 2 } },
      { skipAdmission: true },
    );
    const repair = await waitFor(async () => {
      const page = await t.engine.services.operations.list({
        databaseId: id,
        type: 'repair-drift',
      });
      return page.items[0] ?? null;
    }, 'a repair-drift operation');
    expect((await settled(t, repair.id)).status).toBe('SUCCEEDED');
    const repaired = await databaseIs(
      t,
      id,
      (d) => d.drift.length === 0 && d.status === 'RUNNING',
      'the drift to be repaired',
    );
    expect(repaired.replicas).toBe(database.replicas);
    expect(
      (
        cluster.state.get('kubedb.com/v1', 'MongoDB', 'acme-loops', database.name)?.spec as {
          replicas: number;
        }
      ).replicas,
    ).toBe(database.replicas);
    const opsKinds = cluster.state.list('ops.kubedb.com/v1alpha1', 'MongoDBOpsRequest', {
      namespace: 'acme-loops',
    });
    expect(
      opsKinds.some((o) =>
        ((o.metadata.labels ?? {})['dbaas.kubedb.dev/operation-id'] ?? '').startsWith(repair.id),
      ),
    ).toBe(true);
  }, 60_000);

  it('shows a crashed pod as Critical and runs again when it recovers', async () => {
    const id = ids.get('mariadb')!;
    const database = await t.engine.services.databases.get(id);
    const seen: string[] = [];
    const subscription = t.engine.services.events.subscribe((event) => {
      if (event.type === 'database.status' && event.data.id === id)
        seen.push(`${event.data.status}/${event.data.phase}`);
    });
    try {
      cluster.faults.crashPod('acme-loops', `${database.name}-0`);
      await databaseIs(t, id, (d) => d.phase === 'Critical', 'the phase to show Critical');
      cluster.faults.recoverPod('acme-loops', `${database.name}-0`);
      await databaseIs(
        t,
        id,
        (d) => d.phase === 'Ready' && d.status === 'RUNNING',
        'the database to run again',
      );
      expect(seen.some((s) => s.endsWith('/Critical'))).toBe(true);
    } finally {
      void subscription.dispose();
    }
  }, 30_000);

  it('samples pod CPU and memory from metrics.k8s.io and serves them per database', async () => {
    const written = await t.engine.loops.metrics.sampleAll();
    expect(written).toBeGreaterThanOrEqual(SAMPLES.length * 2);
    const { series } = await t.engine.services.observations.metrics(ids.get('postgres')!, '15m');
    const cpu = series.find((s) => s.name === 'cpu')!;
    const memory = series.find((s) => s.name === 'memory')!;
    expect(cpu.unit).toBe('cores');
    expect(cpu.points.length).toBeGreaterThan(0);
    expect(cpu.points[0]![1]).toBeGreaterThan(0);
    expect(memory.points[0]![1]).toBeGreaterThan(1024 * 1024);
    const events = await t.engine.services.observations.events(ids.get('postgres')!);
    expect(events.items.some((e) => e.reason === 'operation.update-version')).toBe(true);
  });

  it('cancels a queued operation, and refuses to cancel one that has finished', async () => {
    const id = ids.get('redis')!;
    const first = await t.engine.services.databaseChanges.act(id, 'restart');
    const second = await t.engine.services.databaseChanges.act(id, 'restart');
    const cancelled = await t.engine.services.operations
      .cancel(second.operation.id)
      .catch((error: unknown) => error);
    const done = await settled(t, first.operation.id);
    expect(done.status).toBe('SUCCEEDED');
    if (cancelled instanceof Error) {
      // The second had already started: then cancel must have said so with a conflict.
      expect((cancelled as { code?: string }).code).toBe('CONFLICT');
    } else {
      expect((await t.engine.services.operations.get(second.operation.id)).status).toBe(
        'CANCELLED',
      );
    }
    await expect(t.engine.services.operations.cancel(first.operation.id)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });
});
