import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { failedOperationAlert } from '../helpers/alerts';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  type TestEngine,
  type TestResponse,
  waitFor,
} from '../helpers/engine';

/**
 * Every changing route of the route table (read from the OpenAPI document it generates) is called
 * once successfully, and answers the success status that the document gives it.
 */

type Responses = Record<string, { description: string }>;
type OpenApi = { paths: Record<string, Record<string, { responses: Responses }>> };

interface Sample {
  url: string;
  body?: unknown;
  check?: (response: TestResponse<Record<string, unknown>>) => void;
}

describe('documented and actual success statuses', () => {
  let t: TestEngine;
  let cluster: SimCluster;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 200)) as [SimCluster];
    t = await startTestEngine();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('answers every changing route with the status its OpenAPI entry documents', async () => {
    const document = (await t.request<OpenApi>('GET', '/api/v1/openapi.json')).body;
    const ids: Record<string, string> = {};
    const remember =
      (key: string, read: (body: Record<string, unknown>) => unknown) =>
      (response: TestResponse<Record<string, unknown>>): void => {
        ids[key] = String(read(response.body));
      };
    const database = {
      name: 'st-db',
      engine: 'postgres',
      version: '16.1',
      domain: 'acme',
      project: 'status',
      storage: { size: '1Gi', storageClass: 'standard' },
    };
    /** In an order where each call finds what it needs; keyed by `METHOD path`. */
    const samples: [string, () => Sample | Promise<Sample>][] = [
      [
        'POST /api/v1/auth/login',
        () => ({
          url: '/api/v1/auth/login',
          body: { username: 'admin', password: TEST_ADMIN_PASSWORD },
          check: remember('refresh', (b) => b.refreshToken),
        }),
      ],
      [
        'POST /api/v1/auth/refresh',
        () => ({ url: '/api/v1/auth/refresh', body: { refreshToken: ids.refresh } }),
      ],
      ['DELETE /api/v1/auth/refresh', () => ({ url: '/api/v1/auth/refresh' })],
      [
        'POST /api/v1/api-keys',
        () => ({
          url: '/api/v1/api-keys',
          body: { name: 'st', role: 'viewer' },
          check: remember('apiKey', (b) => (b.apiKey as { id?: string } | undefined)?.id ?? b.id),
        }),
      ],
      ['DELETE /api/v1/api-keys/{id}', () => ({ url: `/api/v1/api-keys/${ids.apiKey}` })],
      [
        'POST /api/v1/providers/contexts',
        () => ({ url: '/api/v1/providers/contexts', body: { kubeconfig: cluster.kubeconfig } }),
      ],
      [
        'POST /api/v1/providers',
        () => ({
          url: '/api/v1/providers',
          body: { name: 'st', kubeconfig: cluster.kubeconfig },
          check: remember('provider', (b) => b.id),
        }),
      ],
      [
        'POST /api/v1/providers/{id}/test',
        () => ({ url: `/api/v1/providers/${ids.provider}/test` }),
      ],
      ['POST /api/v1/domains', () => ({ url: '/api/v1/domains', body: { name: 'st' } })],
      [
        'POST /api/v1/domains/{domain}/projects',
        () => ({ url: '/api/v1/domains/st/projects', body: { name: 'p' } }),
      ],
      [
        'PATCH /api/v1/domains/{domain}/projects/{project}',
        () => ({ url: '/api/v1/domains/st/projects/p', body: { driftPolicy: 'notify' } }),
      ],
      [
        'POST /api/v1/users',
        () => ({
          url: '/api/v1/users',
          body: {
            username: 'st-user',
            password: 'st-user-password-1',
            bindings: [{ role: 'viewer' }],
          },
        }),
      ],
      [
        'POST /api/v1/databases',
        () => ({
          url: '/api/v1/databases',
          body: { ...database, providerId: ids.provider },
          check: remember('database', (b) => (b.database as { id: string }).id),
        }),
      ],
      [
        'PATCH /api/v1/databases/{id}',
        async () => {
          await waitFor(async () => {
            const d = await t.engine.services.databases.get(ids.database!);
            return d.status === 'RUNNING' && !d.activeOperationId;
          }, 'the database to run');
          return {
            url: `/api/v1/databases/${ids.database}`,
            body: { resources: { cpu: '1' } },
            // The answer shows the state the change puts the database in, not the one before.
            check: (r) => expect((r.body.database as { status: string }).status).toBe('SCALING'),
          };
        },
      ],
      [
        'POST /api/v1/databases/{id}/actions/{action}',
        () => ({
          url: `/api/v1/databases/${ids.database}/actions/restart`,
          check: (r) => {
            expect((r.body.database as { status: string }).status).toBe('UPDATING');
            remember('restart', (b) => (b.operation as { id: string }).id)(r);
          },
        }),
      ],
      [
        'POST /api/v1/operations/{id}/cancel',
        () => ({ url: `/api/v1/operations/${ids.restart}/cancel` }),
      ],
      [
        'POST /api/v1/databases/{id}/actions/{action}#rotate',
        () => ({
          url: `/api/v1/databases/${ids.database}/actions/rotate-credentials`,
          check: remember('rotate', (b) => (b.operation as { id: string }).id),
        }),
      ],
      [
        'POST /api/v1/operations/{id}/abort',
        () => ({ url: `/api/v1/operations/${ids.rotate}/abort` }),
      ],
      [
        'POST /api/v1/alerts/{id}/acknowledge',
        async () => {
          ids.alert = await failedOperationAlert(t, cluster, {
            id: ids.database!,
            name: 'st-db',
            namespace: 'acme-status',
          });
          return {
            url: `/api/v1/alerts/${ids.alert}/acknowledge`,
            body: { comment: 'looking' },
            check: (r) => expect(r.body.acknowledgeComment).toBe('looking'),
          };
        },
      ],
      [
        'POST /api/v1/alerts/{id}/silence',
        () => ({ url: `/api/v1/alerts/${ids.alert}/silence`, body: { untilResolved: true } }),
      ],
      [
        'PUT /api/v1/alert-rules/{rule}',
        () => ({
          url: '/api/v1/alert-rules/database-down',
          body: { forSeconds: 30, overrides: [{ scope: 'acme/status', severity: 'warning' }] },
          check: (r) => expect(r.body.forSeconds).toBe(30),
        }),
      ],
      [
        'POST /api/v1/notification-channels',
        () => ({
          url: '/api/v1/notification-channels',
          body: {
            name: 'st-hook',
            type: 'webhook',
            url: 'http://127.0.0.1:9/hook',
            secret: 'status-webhook-secret-0123',
          },
          check: remember('channel', (b) => b.id),
        }),
      ],
      [
        'PATCH /api/v1/notification-channels/{id}',
        () => ({
          url: `/api/v1/notification-channels/${ids.channel}`,
          body: { filter: { severity: ['critical'] } },
        }),
      ],
      [
        'POST /api/v1/notification-channels/{id}/test',
        () => ({
          url: `/api/v1/notification-channels/${ids.channel}/test`,
          // Nothing listens on port 9: the answer says so, without the URL.
          check: (r) => expect(r.body).toMatchObject({ ok: false, retryable: true }),
        }),
      ],
      [
        'DELETE /api/v1/notification-channels/{id}',
        () => ({ url: `/api/v1/notification-channels/${ids.channel}` }),
      ],
      [
        'POST /api/v1/databases/{id}/restore',
        () => {
          // A succeeded (simulated) Snapshot of the database's repository to restore from.
          const snapshot = cluster.state.create(
            {
              apiVersion: 'storage.kubestash.com/v1alpha1',
              kind: 'Snapshot',
              metadata: {
                name: 'st-db-repo-sample',
                namespace: 'acme-status',
                labels: { 'kubestash.com/repo-name': 'st-db-repo' },
                annotations: { 'sim.kubedb.dev/simulated-backup': 'true' },
              },
              spec: { repository: 'st-db-repo', session: 'scheduled' },
            },
            { skipAdmission: true },
          );
          cluster.state.updateStatus(
            { ...snapshot, status: { phase: 'Succeeded', snapshotTime: new Date().toISOString() } },
            { skipAdmission: true },
          );
          return {
            url: `/api/v1/databases/${ids.database}/restore`,
            body: { target: { newName: 'st-copy' } },
            check: (r) => expect((r.body.database as { name: string }).name).toBe('st-copy'),
          };
        },
      ],
      [
        'POST /api/v1/restore-drills',
        () => ({
          url: '/api/v1/restore-drills',
          body: { databaseId: ids.database, schedule: '0 4 * * 0' },
          check: (r) => expect(r.body.runs).toEqual([]),
        }),
      ],
      [
        'POST /api/v1/backup-storages',
        () => ({
          url: '/api/v1/backup-storages',
          body: {
            name: 'st',
            bucket: 'st-bucket',
            endpoint: 'http://127.0.0.1:9',
            accessKeyId: 'st-key',
            secretAccessKey: 'st-secret',
          },
          check: remember('storage', (b) => b.id),
        }),
      ],
      [
        'PATCH /api/v1/backup-storages/{id}',
        () => ({ url: `/api/v1/backup-storages/${ids.storage}`, body: { prefix: 'p' } }),
      ],
      [
        'POST /api/v1/backup-storages/{id}/test',
        () => ({ url: `/api/v1/backup-storages/${ids.storage}/test` }),
      ],
      [
        'PUT /api/v1/databases/{id}/backup-policy',
        () => ({
          url: `/api/v1/databases/${ids.database}/backup-policy`,
          body: { storageId: ids.storage, schedule: '0 2 * * *' },
        }),
      ],
      [
        'POST /api/v1/databases/{id}/backups',
        () => ({ url: `/api/v1/databases/${ids.database}/backups` }),
      ],
      [
        'DELETE /api/v1/databases/{id}/backup-policy',
        () => ({ url: `/api/v1/databases/${ids.database}/backup-policy` }),
      ],
      [
        'DELETE /api/v1/backup-storages/{id}',
        () => ({ url: `/api/v1/backup-storages/${ids.storage}` }),
      ],
      ['DELETE /api/v1/databases/{id}', () => ({ url: `/api/v1/databases/${ids.database}` })],
      [
        'DELETE /api/v1/domains/{domain}/projects/{project}',
        () => ({ url: '/api/v1/domains/st/projects/p' }),
      ],
      ['DELETE /api/v1/domains/{domain}', () => ({ url: '/api/v1/domains/st' })],
      [
        'POST /api/v1/backup-estate/cleanup',
        () => {
          // A Repository nothing writes to is an orphan.
          cluster.state.create({
            apiVersion: 'storage.kubestash.com/v1alpha1',
            kind: 'Repository',
            metadata: { name: 'st-orphan-repo', namespace: 'acme-status' },
            spec: { storageRef: { name: 'none' }, path: '/orphan' },
          });
          return {
            url: '/api/v1/backup-estate/cleanup',
            body: {
              providerId: ids.provider,
              namespace: 'acme-status',
              kind: 'Repository',
              name: 'st-orphan-repo',
            },
          };
        },
      ],
      [
        'POST /api/v1/providers#second',
        () => ({
          url: '/api/v1/providers',
          body: { name: 'st-2', kubeconfig: cluster.kubeconfig },
          check: remember('provider2', (b) => b.id),
        }),
      ],
      ['DELETE /api/v1/providers/{id}', () => ({ url: `/api/v1/providers/${ids.provider2}` })],
    ];
    const known = new Set(samples.map(([key]) => key.split('#')[0]));
    const changing = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => m !== 'get')
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(changing.filter((key) => !known.has(key))).toEqual([]);
    for (const [key, sample] of samples) {
      const [method, path] = key.split('#')[0]!.split(' ') as [string, string];
      const responses = document.paths[path]![method.toLowerCase()]!.responses;
      const documented = Object.entries(responses).find(
        ([, r]) => r.description === 'success',
      )?.[0];
      const call = await sample();
      const response = await t.request<Record<string, unknown>>(method, call.url, call.body);
      expect(`${key} ${response.status}`, response.text).toBe(`${key} ${documented}`);
      call.check?.(response);
    }
  }, 60_000);
});
