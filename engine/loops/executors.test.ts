import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters } from '../../test/helpers/engine';
import { driveClock, openLoopHarness, type LoopHarness } from '../../test/helpers/loops';
import type { Database, Operation, OperationType } from '../domain';
import { ClusterClient } from '../kube';
import { KUBEDB_API_VERSION } from '../kubedb/types';
import { execute, undoApplied, type Execution } from './executors';
import { executeRestore } from './restore-executors';

let sim: SimCluster;
let client: ClusterClient;
let h: LoopHarness;
let database: Database;
let count = 0;

beforeAll(async () => {
  [sim] = (await startClusters(1, 400)) as [SimCluster];
  client = new ClusterClient(sim.kubeconfig, 'sim-1');
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  h = await openLoopHarness({ clientFor: async () => client });
  // One database name per test: the simulated cluster outlives each test.
  count += 1;
  database = h.fixtures.database({ replicas: 1, name: `exec${count}` });
});
afterEach(async () => {
  await h.close();
});

/** What an executor reported, in order. */
function recorder() {
  const reports: string[] = [];
  return {
    reports,
    report: {
      step: async (name: string) => void reports.push(`step ${name}`),
      progress: async (percent: number) => void reports.push(`progress ${percent}`),
      opsRequest: async (name: string) => void reports.push(`ops ${name}`),
    },
  };
}

function execution(type: OperationType, params: Record<string, unknown> = {}) {
  const operation: Operation = h.fixtures.operation({ databaseId: database.id, type, params });
  const { reports, report } = recorder();
  const run: Execution = {
    context: h.context,
    client,
    operation,
    database,
    signal: new AbortController().signal,
    report,
  };
  return { run, reports, operation };
}

const live = () =>
  sim.state.get(KUBEDB_API_VERSION, 'Postgres', database.namespace, database.name) as
    { status?: { phase?: string }; spec?: { replicas?: number; halted?: boolean } } | undefined;

async function created(): Promise<void> {
  await execute(execution('create').run);
  await driveClock(
    h.clock,
    (async () => {
      while (live()?.status?.phase !== 'Ready') await h.clock.settle(5);
    })(),
  );
}

describe('the executors', () => {
  it('create applies the desired manifests and reports the step', async () => {
    const { run, reports } = execution('create');
    await execute(run);
    expect(live()).toBeTruthy();
    expect(reports).toEqual(['step apply', 'progress 50']);
  });

  it('a scale applies one OpsRequest named for the operation and follows it to the end on the clock', async () => {
    await created();
    // As the PATCH does, the desired state says 3 before the operation runs.
    database = { ...database, replicas: 3 };
    const { run, reports, operation } = execution('scale-horizontal', { replicas: 3 });
    await driveClock(h.clock, execute(run));
    expect(live()?.spec?.replicas).toBe(3);
    expect(reports[0]).toBe('step apply PostgresOpsRequest');
    expect(reports).toContain(`step wait for KubeDB`);
    // Named for the operation, so that a redelivery applies the same OpsRequest again, not a second one.
    const name = reports.find((r) => r.startsWith('ops '));
    expect(name).toMatch(new RegExp(`^ops ${database.name}-hscale-`));
    const again = execution('scale-horizontal', { replicas: 3 });
    again.run.operation = operation;
    await driveClock(h.clock, execute(again.run));
    expect(again.reports.find((r) => r.startsWith('ops '))).toBe(name);
  });

  it('a failed OpsRequest fails the operation for good', async () => {
    await created();
    sim.faults.failNextOpsRequest(database.namespace, database.name, 'SimulatedFailure');
    const { run } = execution('scale-horizontal', { replicas: 2 });
    const error = await driveClock(
      h.clock,
      execute(run).catch((caught: unknown) => caught),
    );
    expect(error).toMatchObject({ code: 'UNPROCESSABLE', terminal: true });
    expect((error as Error).message).toMatch(
      /KubeDB failed the PostgresOpsRequest: SimulatedFailure/,
    );
  });

  it('gives up on an OpsRequest that never finishes once its deadline passes on the clock', async () => {
    await created();
    sim.faults.stickNextOpsRequest(database.namespace, database.name);
    const { run } = execution('scale-horizontal', { replicas: 2 });
    const error = await driveClock(
      h.clock,
      execute(run).catch((caught: unknown) => caught),
      60_000,
    );
    expect((error as Error).message).toMatch(/timed out waiting for OpsRequest/);
  });

  it('pause halts the database and waits for KubeDB to show Halted', async () => {
    await created();
    const { run, reports } = execution('pause');
    await driveClock(h.clock, execute(run));
    expect(live()?.status?.phase).toBe('Halted');
    expect(reports).toEqual(['step halt', 'step wait for Halted']);
  });

  it('undoing a create removes what it applied', async () => {
    await execute(execution('create').run);
    expect(live()).toBeTruthy();
    await undoApplied(client, database);
    await driveClock(
      h.clock,
      (async () => {
        while (live()) await h.clock.settle(5);
      })(),
    );
    expect(live()).toBeUndefined();
  });

  it('refuses, terminally, a backup of a database with no backup policy and a restore without its source', async () => {
    await expect(execute(execution('backup').run)).rejects.toMatchObject({
      code: 'UNPROCESSABLE',
      terminal: true,
    });
    await expect(execute(execution('restore').run)).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/lacks its mode, source or snapshot/),
      terminal: true,
    });
  });

  it('adopts the RestoreSession its operation already made on a redelivery, never a second one', async () => {
    await created();
    await h.context.store.databases.create(database);
    const { run, reports, operation } = execution('restore', {
      mode: 'in-place',
      sourceId: database.id,
      snapshot: 'orders-full-1',
      targetTime: '2026-01-01T00:00:00Z',
      repository: 'orders-full',
    });
    const snapshot = sim.state.create(
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Snapshot',
        metadata: { name: `${database.name}-snap`, namespace: database.namespace },
        spec: { repository: `${database.name}-repo`, type: 'FullBackup' },
      },
      { skipAdmission: true },
    );
    sim.state.updateStatus(
      { ...snapshot, status: { phase: 'Succeeded' } },
      { skipAdmission: true },
    );
    // What an earlier attempt applied (under another name, as an older version named it).
    sim.state.create({
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: {
        name: 'earlier-attempt',
        namespace: database.namespace,
        labels: { 'dbaas.kubedb.dev/operation-id': operation.id },
      },
      spec: {
        target: { apiGroup: 'kubedb.com', kind: 'Postgres', name: database.name, namespace: database.namespace }, // prettier-ignore
        dataSource: { repository: `${database.name}-repo`, snapshot: `${database.name}-snap` },
        addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup-restore' }] },
      },
    });
    const outcome = await driveClock(
      h.clock,
      executeRestore(run).then(
        () => 'ok',
        (error: unknown) => String(error),
      ),
    );
    expect(outcome).toBe('ok');
    expect(reports).toContain('step adopt RestoreSession');
    expect(reports).not.toContain('step apply RestoreSession');
    expect(reports).toContain('ops earlier-attempt');
    const sessions = sim.state.list('core.kubestash.com/v1alpha1', 'RestoreSession', {
      namespace: database.namespace,
    });
    expect(sessions.map((s) => s.metadata.name)).toEqual(['earlier-attempt']);
  });
});
