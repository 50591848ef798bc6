import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * Horizontal scaling follows what KubeDB allows per engine (REFERENCE 3): a standalone Postgres
 * scales to a replicated one, a create with `replicas > 1` and no `mode` takes the engine's
 * replicated mode, and a standalone that KubeDB cannot scale is refused with its reason.
 */
describe('scaling between standalone and replicated modes', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine();
    providerId = (
      await t.engine.services.providers.create({ name: 'scale', kubeconfig: cluster.kubeconfig })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  const body = (name: string, engine: string, version: string, extra: object = {}) => ({
    name,
    engine,
    version,
    domain: 'acme',
    project: 'scale',
    storage: { size: '1Gi', storageClass: 'standard' },
    providerId,
    ...extra,
  });

  async function running(id: string): Promise<Database> {
    return waitFor(async () => {
      const d = await t.engine.services.databases.get(id);
      return d.status === 'RUNNING' && !d.activeOperationId ? d : null;
    }, `${id} to run`);
  }

  it("chooses the engine's replicated mode for replicas > 1 without a mode", async () => {
    const created = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      body('pg-three', 'postgres', '16.1', { replicas: 3 }),
    );
    expect(created.status, created.text).toBe(202);
    expect(created.body.database).toMatchObject({ mode: 'cluster', replicas: 3 });
    const preview = await t.request<{
      manifests: { kind: string; spec: { topology?: unknown } }[];
    }>(
      'POST',
      '/api/v1/databases?dryRun=true',
      body('my-three', 'mysql', '8.0.36', { replicas: 3 }),
    );
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.manifests.find((m) => m.kind === 'MySQL')?.spec.topology).toMatchObject({
      mode: 'GroupReplication',
    });
  });

  it('scales a standalone Postgres to three replicas', async () => {
    const created = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      body('pg-one', 'postgres', '16.1'),
    );
    expect(created.body.database.mode).toBe('standalone');
    await running(created.body.database.id);
    const patched = await t.request<{ database: Database; operation: Operation }>(
      'PATCH',
      `/api/v1/databases/${created.body.database.id}`,
      { replicas: 3 },
    );
    expect(patched.status, patched.text).toBe(202);
    expect(patched.body.database).toMatchObject({ mode: 'cluster', replicas: 3 });
    const operation = await waitFor(
      async () => {
        const o = await t.engine.services.operations.get(patched.body.operation.id);
        return ['SUCCEEDED', 'FAILED'].includes(o.status) ? o : null;
      },
      'the scaling to finish',
      30_000,
    );
    expect(operation.status, JSON.stringify(operation.error)).toBe('SUCCEEDED');
    const live = cluster.state.get('kubedb.com/v1', 'Postgres', 'acme-scale', 'pg-one');
    expect((live?.spec as { replicas: number }).replicas).toBe(3);
    const database = await running(created.body.database.id);
    expect(database).toMatchObject({ mode: 'cluster', replicas: 3, drift: [] });
  }, 60_000);

  it("refuses to scale a standalone that KubeDB cannot scale, with KubeDB's reason", async () => {
    const created = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      body('mongo-one', 'mongodb', '6.0.12'),
    );
    const patched = await t.request<{ error: { details: { path: string; message: string }[] } }>(
      'PATCH',
      `/api/v1/databases/${created.body.database.id}`,
      { replicas: 3 },
    );
    expect(patched.status).toBe(422);
    expect(patched.body.error.details[0]?.path).toBe('replicas');
    expect(patched.body.error.details[0]?.message).toMatch(
      /horizontal scaling is not supported for a standalone mongodb.*replicaset/,
    );
  });
});
