import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters } from '../../test/helpers/engine';
import {
  kubeStatus,
  openLoopHarness,
  startScriptedCluster,
  type LoopHarness,
  type ScriptedCluster,
} from '../../test/helpers/loops';
import { ClusterClient } from '../kube';
import { KUBEDB_API_VERSION } from '../kubedb/types';
import { OperationRunner } from './operation-runner';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A harness whose every cluster is `client`, with one PROVISIONING database and its queued create. */
async function arrange(client: ClusterClient, maxAttempts = 3) {
  const h: LoopHarness = await openLoopHarness({ clientFor: async () => client });
  cleanups.push(() => h.close());
  const database = await h.store.databases.create(
    h.fixtures.database({ status: 'PENDING', phase: '', readyReplicas: 0, endpoint: null }),
  );
  const operation = await h.store.operations.create(
    h.fixtures.operation({ databaseId: database.id, type: 'create', maxAttempts }),
  );
  const runner = new OperationRunner(h.context);
  const job = (attempt: number) => ({
    operationId: operation.id,
    key: database.id,
    attempt,
    enqueuedAt: h.clock.now(),
  });
  return { h, database, operation, runner, job };
}

async function scripted(status: number, reason: string, message: string): Promise<ScriptedCluster> {
  const cluster = await startScriptedCluster((req) =>
    req.method === 'DELETE'
      ? { status: 200, body: {} }
      : { status, body: kubeStatus(status, reason, message) },
  );
  cleanups.push(() => cluster.stop());
  return cluster;
}

describe('OperationRunner', () => {
  it('applies a create to the cluster and settles it SUCCEEDED', async () => {
    const [sim] = (await startClusters(1, 400)) as [SimCluster];
    cleanups.push(() => sim.stop());
    const { h, database, operation, runner, job } = await arrange(
      new ClusterClient(sim.kubeconfig, 'sim-1'),
    );
    const result = await runner.handle(job(1), new AbortController().signal);
    expect(result).toEqual({ outcome: 'done' });
    const live = sim.state.get(KUBEDB_API_VERSION, 'Postgres', database.namespace, database.name);
    expect(live).toBeTruthy();
    const settled = await h.store.operations.get(operation.id);
    expect(settled).toMatchObject({ status: 'SUCCEEDED', progress: 100, attempts: 1 });
    expect(settled.finishedAt).toBe(new Date(h.clock.now()).toISOString());
    expect((await h.store.databases.get(database.id)).activeOperationId).toBeNull();
    expect(h.fences).toBeGreaterThan(0);
  });

  it('marks the step an interrupted attempt left running as failed, not succeeded', async () => {
    const [sim] = (await startClusters(1, 400)) as [SimCluster];
    cleanups.push(() => sim.stop());
    const { h, operation, runner, job } = await arrange(new ClusterClient(sim.kubeconfig, 'sim-1'));
    // What a daemon killed mid-attempt leaves behind: attempt 1 RUNNING with a running step.
    const at = new Date(h.clock.now()).toISOString();
    await h.store.operations.update({
      ...(await h.store.operations.get(operation.id)),
      status: 'RUNNING',
      attempts: 1,
      steps: [{ name: 'apply', status: 'running', startedAt: at, finishedAt: null, message: null }],
    });
    expect(await runner.handle(job(2), new AbortController().signal)).toEqual({ outcome: 'done' });
    const settled = await h.store.operations.get(operation.id);
    expect(settled).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(settled.steps[0]).toMatchObject({ name: 'apply', status: 'failed' });
    expect(settled.steps[0]?.message).toBe('interrupted: attempt 1 did not finish');
    expect(settled.steps.slice(1).every((step) => step.status === 'succeeded')).toBe(true);
  });

  it('retries an attempt that met a 409 Conflict from the cluster', async () => {
    const cluster = await scripted(409, 'Conflict', 'the object has been modified');
    const { h, database, operation, runner, job } = await arrange(cluster.client);
    const result = await runner.handle(job(1), new AbortController().signal);
    expect(result).toEqual({ outcome: 'retry' });
    const after = await h.store.operations.get(operation.id);
    expect(after.status).toBe('RUNNING');
    expect(after.steps.at(-1)).toMatchObject({ name: 'apply', status: 'failed' });
    expect((await h.store.databases.get(database.id)).status).not.toBe('FAILED');
    expect(cluster.requests.some((r) => r.startsWith('DELETE'))).toBe(false);
  });

  it('fails for good when the cluster refuses the create, though the refusal mentions a conflict', async () => {
    const cluster = await scripted(422, 'Invalid', 'spec: conflict with the admission policy');
    const { h, database, operation, runner, job } = await arrange(cluster.client);
    const result = await runner.handle(job(1), new AbortController().signal);
    expect(result.outcome).toBe('failed');
    const after = await h.store.operations.get(operation.id);
    expect(after).toMatchObject({ status: 'FAILED', error: { code: 'UNPROCESSABLE' } });
    expect((await h.store.databases.get(database.id)).status).toBe('FAILED');
    // What the create may have applied is removed again.
    expect(cluster.requests.some((r) => r.startsWith('DELETE'))).toBe(true);
  });

  it('stops retrying conflicts after the operation’s last attempt', async () => {
    const cluster = await scripted(409, 'Conflict', 'the object has been modified');
    const { h, operation, runner, job } = await arrange(cluster.client, 2);
    expect(await runner.handle(job(1), new AbortController().signal)).toEqual({ outcome: 'retry' });
    const last = await runner.handle(job(2), new AbortController().signal);
    expect(last.outcome).toBe('failed');
    expect(await h.store.operations.get(operation.id)).toMatchObject({
      status: 'FAILED',
      attempts: 2,
      error: { code: 'CONFLICT' },
    });
  });

  it('settles an operation whose database is gone, and leaves a finished one alone', async () => {
    const cluster = await scripted(500, 'InternalError', 'unused');
    const { h, database, operation, runner, job } = await arrange(cluster.client);
    await h.store.databases.delete(database.id);
    expect((await runner.handle(job(1), new AbortController().signal)).outcome).toBe('failed');
    expect((await h.store.operations.get(operation.id)).status).toBe('FAILED');
    expect(await runner.handle(job(2), new AbortController().signal)).toEqual({ outcome: 'done' });
    expect(cluster.requests).toEqual([]);
  });
});
