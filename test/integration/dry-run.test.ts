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
  let storageId: string;
  let unusedStorageId: string;
  let providerId: string;
  let channelId: string;

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
    // Backup objects to preview against: a storage (never reached: no route here tests it), a
    // policy on dry-a, a succeeded Snapshot of its repository, and an orphan Repository.
    storageId = (
      await t.engine.services.backups.storages.create({
        name: 'dry-s3',
        type: 's3',
        bucket: 'dry-bucket',
        endpoint: 'http://127.0.0.1:9',
        accessKeyId: 'dry-access-key',
        secretAccessKey: 'dry-secret-key',
      })
    ).id;
    unusedStorageId = (
      await t.engine.services.backups.storages.create({
        name: 'dry-unused',
        type: 's3',
        bucket: 'dry-bucket',
        endpoint: 'http://127.0.0.1:9',
        accessKeyId: 'dry-access-key',
        secretAccessKey: 'dry-secret-key',
      })
    ).id;
    await t.engine.services.backups.policies.put(running.id, {
      storageId,
      schedule: '0 2 * * *',
    });
    const snapshot = cluster.state.create(
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Snapshot',
        metadata: {
          name: 'dry-a-repo-sample',
          namespace: 'acme-dry',
          labels: { 'kubestash.com/repo-name': 'dry-a-repo' },
          annotations: { 'sim.kubedb.dev/simulated-backup': 'true' },
        },
        spec: { repository: 'dry-a-repo', session: 'scheduled' },
      },
      { skipAdmission: true },
    );
    cluster.state.updateStatus(
      { ...snapshot, status: { phase: 'Succeeded', snapshotTime: new Date().toISOString() } },
      { skipAdmission: true },
    );
    cluster.state.create({
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Repository',
      metadata: { name: 'dry-orphan-repo', namespace: 'acme-dry' },
      spec: { storageRef: { name: 'none' }, path: '/orphan' },
    });
    providerId = provider.id;
    channelId = (
      await t.engine.services.notifications.channels.create({
        name: 'dry-hook',
        type: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        secret: 'dry-run-webhook-secret-0123',
      })
    ).id;
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
      case 'POST /api/v1/backup-storages':
        return [
          {
            url: '/api/v1/backup-storages',
            body: {
              name: 'dry-new-s3',
              type: 's3',
              bucket: 'dry-bucket',
              endpoint: 'http://127.0.0.1:9',
              accessKeyId: 'k',
              secretAccessKey: 's',
            },
          },
        ];
      case 'PATCH /api/v1/backup-storages/{id}':
        return [{ url: `/api/v1/backup-storages/${storageId}`, body: { prefix: 'p' } }];
      case 'DELETE /api/v1/backup-storages/{id}':
        return [{ url: `/api/v1/backup-storages/${unusedStorageId}` }];
      case 'PUT /api/v1/databases/{id}/backup-policy':
        return [
          {
            url: `/api/v1/databases/${running.id}/backup-policy`,
            body: { storageId, schedule: '0 3 * * *' },
          },
        ];
      case 'DELETE /api/v1/databases/{id}/backup-policy':
        return [{ url: `/api/v1/databases/${running.id}/backup-policy` }];
      case 'POST /api/v1/databases/{id}/backups':
        return [{ url: `/api/v1/databases/${running.id}/backups` }];
      case 'POST /api/v1/databases/{id}/restore':
        return [
          {
            url: `/api/v1/databases/${running.id}/restore`,
            body: { target: { newName: 'dry-copy' } },
          },
        ];
      case 'POST /api/v1/restore-drills':
        return [
          {
            url: '/api/v1/restore-drills',
            body: { databaseId: running.id, schedule: '0 4 * * 0' },
          },
        ];
      case 'POST /api/v1/backup-estate/cleanup':
        return [
          {
            url: '/api/v1/backup-estate/cleanup',
            body: {
              providerId,
              namespace: 'acme-dry',
              kind: 'Repository',
              name: 'dry-orphan-repo',
            },
          },
        ];
      case 'POST /api/v1/notification-channels':
        return [
          {
            url: '/api/v1/notification-channels',
            body: { name: 'dry-new-hook', type: 'slack', url: 'http://127.0.0.1:9/services/x' },
          },
        ];
      case 'PATCH /api/v1/notification-channels/{id}':
        return [
          { url: `/api/v1/notification-channels/${channelId}`, body: { name: 'dry-renamed' } },
        ];
      case 'DELETE /api/v1/notification-channels/{id}':
        return [{ url: `/api/v1/notification-channels/${channelId}` }];
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
    // Soft assertions, each named by its route: one run reports every route that fails.
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
            expect.soft(response.status, `${method} ${call.url}: ${response.text}`).toBe(200);
            // A preview shows what it would apply; a removal with nothing to apply says it is one;
            // a record that applies nothing on a cluster (a drill) is shown as it would be kept; a
            // clean-up names what it would delete.
            const preview = response.body as { dryRun?: boolean; id?: string; deleted?: unknown };
            const shown =
              (response.body.manifests?.length ?? 0) > 0 ||
              (method === 'DELETE' && preview.dryRun === true) ||
              (preview.dryRun === true && preview.deleted !== undefined) ||
              // a change of a record answers the record as the change would leave it
              (method === 'PATCH' &&
                Object.entries(call.body as Record<string, unknown>).every(
                  ([key, value]) => (response.body as Record<string, unknown>)[key] === value,
                )) ||
              preview.id === 'dry-run';
            expect.soft(shown, `${method} ${call.url}: ${response.text}`).toBe(true);
            previews++;
          }
        } else {
          const url = path.replace(/\{[A-Za-z]+\}/g, 'x');
          const response = await t.request<{
            error: { details: { path: string; rule: string }[] };
          }>(method, `${url}?dryRun=true`, {});
          expect.soft(response.status, `${method} ${path}: ${response.text}`).toBe(400);
          expect.soft(response.body.error.details[0]).toMatchObject({
            path: 'dryRun',
            rule: 'unsupported',
          });
          refusals++;
        }
      }
    }
    expect(previews).toBe(19);
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
    // The backup previews kept nothing: the storages are unchanged and none was added or removed, the policy is there.
    const storages = (await t.engine.services.backups.storages.list()).items;
    expect(storages.map((x) => [x.name, x.prefix]).sort()).toEqual([
      ['dry-s3', ''],
      ['dry-unused', ''],
    ]);
    expect(await t.engine.services.backups.policies.get(running.id)).toMatchObject({
      schedule: '0 2 * * *',
    });
    expect((await t.engine.services.databases.get(paused.id)).halted).toBe(true);
    // The channel previews kept nothing: one channel, as it was.
    expect(
      (await t.engine.services.notifications.channels.list()).items.map((c) => c.name),
    ).toEqual(['dry-hook']);

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
