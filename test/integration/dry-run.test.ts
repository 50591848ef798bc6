import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * `?dryRun=true` on every changing route of the route table (read from the OpenAPI document the
 * table generates): a route that previews answers its manifests, every other one refuses the dry
 * run; in both cases nothing is queued, nothing is applied on the cluster, and the audit trail
 * records at most a preview.
 */

interface OpenApiOperation {
  'x-dry-run'?: boolean;
}
type OpenApi = { paths: Record<string, Record<string, OpenApiOperation>> };

describe('?dryRun=true on every changing route', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let running: Database;
  let paused: Database;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine();
    const provider = await t.engine.services.providers.create({
      name: 'dry',
      kubeconfig: cluster.kubeconfig,
    });
    const make = async (name: string): Promise<Database> => {
      const result = await t.engine.services.databases.create({
        name,
        engine: 'postgres',
        version: '16.1',
        domain: 'acme',
        project: 'dry',
        storage: { size: '1Gi', storageClass: 'standard' },
        providerId: provider.id,
      });
      if (!('database' in result)) throw new Error('expected a database');
      return result.database;
    };
    const [a, b] = [await make('dry-a'), await make('dry-b')];
    const runs = (id: string) =>
      waitFor(async () => {
        const d = await t.engine.services.databases.get(id);
        return d.status === 'RUNNING' && !d.activeOperationId ? d : null;
      }, `${id} to run`);
    running = await runs(a.id);
    await runs(b.id);
    await t.engine.services.databaseChanges.act(b.id, 'pause');
    paused = await waitFor(async () => {
      const d = await t.engine.services.databases.get(b.id);
      return d.status === 'PAUSED' && !d.activeOperationId ? d : null;
    }, 'dry-b to pause');
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  /** The calls that a previewing route is tried with: real ids and valid bodies. */
  function previewCalls(method: string, path: string): { url: string; body?: unknown }[] {
    switch (`${method} ${path}`) {
      case 'POST /api/v1/databases':
        return [
          {
            url: '/api/v1/databases',
            body: {
              name: 'dry-new',
              engine: 'postgres',
              version: '16.1',
              domain: 'acme',
              project: 'dry',
              storage: { size: '1Gi', storageClass: 'standard' },
            },
          },
        ];
      case 'PATCH /api/v1/databases/{id}':
        return [{ url: `/api/v1/databases/${running.id}`, body: { resources: { cpu: '1' } } }];
      case 'DELETE /api/v1/databases/{id}':
        return [{ url: `/api/v1/databases/${running.id}` }];
      case 'POST /api/v1/databases/{id}/actions/{action}':
        return [
          ...['restart', 'pause', 'rotate-credentials'].map((action) => ({
            url: `/api/v1/databases/${running.id}/actions/${action}`,
          })),
          { url: `/api/v1/databases/${paused.id}/actions/resume` },
        ];
      default:
        throw new Error(`no dry-run sample for ${method} ${path}: add one to this test`);
    }
  }

  function liveSpecs(): string {
    const objects = [
      ...cluster.state.list('kubedb.com/v1', 'Postgres', { namespace: 'acme-dry' }),
      ...cluster.state.list('ops.kubedb.com/v1alpha1', 'PostgresOpsRequest', {
        namespace: 'acme-dry',
      }),
    ];
    return JSON.stringify(
      objects.map((o) => [o.kind, o.metadata.name, o.spec]).sort((x, y) => (x < y ? -1 : 1)),
    );
  }

  it('previews or refuses, and queues, applies and audits nothing as done', async () => {
    const document = (await t.request<OpenApi>('GET', '/api/v1/openapi.json')).body;
    const before = {
      operations: (await t.store.operations.list({}, { limit: 500 })).items.length,
      live: liveSpecs(),
      databases: (await t.store.databases.list({}, { limit: 500 })).items.length,
      providers: (await t.request<{ items: unknown[] }>('GET', '/api/v1/providers')).body.items
        .length,
      domains: JSON.stringify((await t.request('GET', '/api/v1/domains')).body),
    };
    const startedAt = new Date().toISOString();
    let previews = 0;
    let refusals = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [lower, operation] of Object.entries(methods)) {
        const method = lower.toUpperCase();
        if (method === 'GET') continue;
        if (operation['x-dry-run']) {
          for (const call of previewCalls(method, path)) {
            const response = await t.request<{ manifests?: unknown[] }>(
              method,
              `${call.url}?dryRun=true`,
              call.body,
            );
            expect(response.status, `${method} ${call.url}: ${response.text}`).toBe(200);
            expect(response.body.manifests?.length, `${method} ${call.url}`).toBeGreaterThan(0);
            previews++;
          }
        } else {
          const url = path.replace(/\{[A-Za-z]+\}/g, 'x');
          const response = await t.request<{
            error: { details: { path: string; rule: string }[] };
          }>(method, `${url}?dryRun=true`, {});
          expect(response.status, `${method} ${path}: ${response.text}`).toBe(400);
          expect(response.body.error.details[0]).toMatchObject({
            path: 'dryRun',
            rule: 'unsupported',
          });
          refusals++;
        }
      }
    }
    expect(previews).toBe(7);
    expect(refusals).toBeGreaterThan(5);

    expect((await t.store.operations.list({}, { limit: 500 })).items.length).toBe(
      before.operations,
    );
    expect((await t.store.databases.list({}, { limit: 500 })).items.length).toBe(before.databases);
    expect(liveSpecs()).toBe(before.live);
    expect(
      (await t.request<{ items: unknown[] }>('GET', '/api/v1/providers')).body.items.length,
    ).toBe(before.providers);
    expect(JSON.stringify((await t.request('GET', '/api/v1/domains')).body)).toBe(before.domains);
    expect((await t.engine.services.databases.get(running.id)).halted).toBe(false);
    expect((await t.engine.services.databases.get(paused.id)).halted).toBe(true);

    const audit = (
      await t.request<{ items: { action: string; details: { dryRun?: boolean } }[] }>(
        'GET',
        `/api/v1/audit?from=${startedAt}&limit=500`,
      )
    ).body.items;
    expect(audit.length).toBeGreaterThan(0);
    for (const event of audit) {
      expect(event.action).toMatch(/\.preview$/);
      expect(event.details.dryRun).toBe(true);
    }
  });
});
