import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/** `deletionPolicy` and labels change through PATCH, so a DoNotTerminate database can be deleted on purpose. */
describe('PATCH of deletionPolicy and labels', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine();
    providerId = (
      await t.engine.services.providers.create({ name: 'settings', kubeconfig: cluster.kubeconfig })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  const live = (name: string) =>
    cluster.state.get('kubedb.com/v1', 'Postgres', 'acme-settings', name);

  async function finished(id: string): Promise<Operation> {
    return waitFor(async () => {
      const o = await t.engine.services.operations.get(id);
      return ['SUCCEEDED', 'FAILED'].includes(o.status) ? o : null;
    }, `operation ${id} to finish`);
  }

  it('changes a DoNotTerminate database to Delete, with labels, and then deletes it', async () => {
    const created = await t.request<{ database: Database; operation: Operation }>(
      'POST',
      '/api/v1/databases',
      {
        name: 'keep-me',
        engine: 'postgres',
        version: '16.1',
        domain: 'acme',
        project: 'settings',
        storage: { size: '1Gi', storageClass: 'standard' },
        providerId,
        deletionPolicy: 'DoNotTerminate',
        labels: { team: 'a' },
      },
    );
    expect(created.status, created.text).toBe(202);
    const id = created.body.database.id;
    await waitFor(async () => {
      const d = await t.engine.services.databases.get(id);
      return d.status === 'RUNNING' && !d.activeOperationId;
    }, 'the database to run');
    expect((await t.request('DELETE', `/api/v1/databases/${id}`)).status).toBe(422);

    const reserved = await t.request<{ error: { details: { path: string }[] } }>(
      'PATCH',
      `/api/v1/databases/${id}`,
      { labels: { 'dbaas.kubedb.dev/database-id': 'other' } },
    );
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.details[0]?.path).toMatch(/^labels/);

    const patched = await t.request<{ database: Database; operation: Operation }>(
      'PATCH',
      `/api/v1/databases/${id}`,
      { deletionPolicy: 'Delete', labels: { owner: 'b' } },
    );
    expect(patched.status, patched.text).toBe(202);
    expect(patched.body.database).toMatchObject({
      deletionPolicy: 'Delete',
      labels: { owner: 'b' },
    });
    expect((await finished(patched.body.operation.id)).status).toBe('SUCCEEDED');
    const object = live('keep-me');
    expect((object?.spec as { deletionPolicy: string }).deletionPolicy).toBe('Delete');
    expect(object?.metadata.labels).toMatchObject({ owner: 'b' });
    expect(object?.metadata.labels?.team).toBeUndefined();

    const removed = await t.request<{ operation: Operation }>('DELETE', `/api/v1/databases/${id}`);
    expect(removed.status, removed.text).toBe(202);
    expect((await finished(removed.body.operation.id)).status).toBe('SUCCEEDED');
    expect(live('keep-me')).toBeUndefined();
  }, 60_000);
});
