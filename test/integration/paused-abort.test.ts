import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * A paused database refuses the changes KubeDB cannot apply to it (409 naming the state), and an
 * operation stuck on one (its OpsRequest held Pending by KubeDB) can be aborted: the OpsRequest is
 * deleted, the desired state put back, the audit trail says who, and the resume is not blocked.
 */
describe('paused databases and aborting operations', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let database: Database;

  const opsRequests = () =>
    cluster.state.list('ops.kubedb.com/v1alpha1', 'PostgresOpsRequest', {
      namespace: 'acme-paused',
    });

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine();
    const provider = await t.engine.services.providers.create({
      name: 'paused',
      kubeconfig: cluster.kubeconfig,
    });
    const result = await t.engine.services.databases.create({
      name: 'sleepy',
      engine: 'postgres',
      version: '16.1',
      domain: 'acme',
      project: 'paused',
      storage: { size: '1Gi', storageClass: 'standard' },
      providerId: provider.id,
    });
    if (!('database' in result)) throw new Error('expected a database');
    await waitFor(async () => {
      const d = await t.engine.services.databases.get(result.database.id);
      return d.status === 'RUNNING' && !d.activeOperationId;
    }, 'the database to run');
    const paused = await t.request('POST', `/api/v1/databases/${result.database.id}/actions/pause`);
    expect(paused.status, paused.text).toBe(202);
    database = await waitFor(async () => {
      const d = await t.engine.services.databases.get(result.database.id);
      return d.status === 'PAUSED' && !d.activeOperationId ? d : null;
    }, 'the database to pause');
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('refuses changes and actions KubeDB cannot apply to a halted database, naming the state', async () => {
    const operationsBefore = (await t.store.operations.list({ databaseId: database.id })).items
      .length;
    for (const [method, url, body] of [
      ['PATCH', `/api/v1/databases/${database.id}`, { resources: { cpu: '1' } }],
      ['POST', `/api/v1/databases/${database.id}/actions/restart`, undefined],
      ['POST', `/api/v1/databases/${database.id}/actions/rotate-credentials`, undefined],
    ] as const) {
      const response = await t.request<{ error: { code: string; message: string } }>(
        method,
        url,
        body,
      );
      expect(response.status, `${method} ${url}`).toBe(409);
      expect(response.body.error.message).toMatch(/is paused .*resume it first/);
    }
    expect((await t.store.operations.list({ databaseId: database.id })).items.length).toBe(
      operationsBefore,
    );
    expect(opsRequests()).toEqual([]);
  });

  it('aborts an operation whose OpsRequest KubeDB holds Pending, and the resume then runs', async () => {
    // Arranged below the API (which now refuses it): a change accepted on the halted database.
    const desired = await t.store.databases.update({
      ...database,
      resources: { cpu: '1', memory: '1Gi' },
    });
    const stuck = await t.engine.services.operations.submit(desired, 'scale-vertical', {
      cpu: '1',
      memory: '1Gi',
      previous: { resources: database.resources },
    });
    const running = await waitFor(async () => {
      const o = await t.engine.services.operations.get(stuck.id);
      return o.status === 'RUNNING' && o.opsRequestName ? o : null;
    }, 'the operation to apply its OpsRequest');
    await waitFor(
      () =>
        opsRequests().find(
          (o) =>
            o.metadata.name === running.opsRequestName &&
            (o.status as { phase?: string } | undefined)?.phase === 'Pending',
        ),
      'KubeDB to hold the OpsRequest Pending',
    );

    const aborted = await t.request<Operation>('POST', `/api/v1/operations/${stuck.id}/abort`);
    expect(aborted.status, aborted.text).toBe(200);
    expect(aborted.body).toMatchObject({ status: 'CANCELLED', error: { code: 'ABORTED' } });
    expect(aborted.body.error?.message).toMatch(/^aborted by /);
    expect(opsRequests().filter((o) => o.metadata.name === running.opsRequestName)).toEqual([]);
    const after = await t.engine.services.databases.get(database.id);
    expect(after.resources).toEqual(database.resources);
    expect(after.activeOperationId).toBeNull();
    const audit = await t.request<{ items: { action: string; actor: string; target: string }[] }>(
      'GET',
      '/api/v1/audit?action=operations.abort',
    );
    expect(audit.body.items[0]).toMatchObject({
      action: 'operations.abort',
      target: `operations/${stuck.id}/abort`,
    });
    expect(audit.body.items[0]?.actor).toBeTruthy();

    const resume = await t.request<{ operation: Operation }>(
      'POST',
      `/api/v1/databases/${database.id}/actions/resume`,
    );
    expect(resume.status, resume.text).toBe(202);
    const resumed = await waitFor(
      async () => {
        const o = await t.engine.services.operations.get(resume.body.operation.id);
        return ['SUCCEEDED', 'FAILED'].includes(o.status) ? o : null;
      },
      'the resume to finish',
      30_000,
    );
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('SUCCEEDED');
    // The worker that followed the aborted operation settled nothing over the abort.
    expect((await t.engine.services.operations.get(stuck.id)).status).toBe('CANCELLED');
  }, 60_000);

  it('cancel on a running operation aborts it too', async () => {
    cluster.faults.stickNextOpsRequest('acme-paused', 'sleepy');
    const restart = await t.request<{ operation: Operation }>(
      'POST',
      `/api/v1/databases/${database.id}/actions/restart`,
    );
    expect(restart.status, restart.text).toBe(202);
    await waitFor(async () => {
      const o = await t.engine.services.operations.get(restart.body.operation.id);
      return o.status === 'RUNNING' && o.opsRequestName ? o : null;
    }, 'the restart to run');
    const cancelled = await t.request<Operation>(
      'POST',
      `/api/v1/operations/${restart.body.operation.id}/cancel`,
    );
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(opsRequests().filter((o) => o.metadata.name === cancelled.body.opsRequestName)).toEqual(
      [],
    );
  }, 60_000);
});
