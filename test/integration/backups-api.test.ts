import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BackupListResponse,
  BackupPolicyResponse,
  BackupStorageResponse,
  StorageTestResponse,
} from '../../engine/api/contracts';
import type { Database, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { createBody } from '../helpers/databases';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

/**
 * Backups through the product (issue 14): storages with keys in the vault, the S3 test against the
 * test run's real Ceph RGW, policies as KubeStash objects on a simulated cluster (real CRDs), and
 * on-demand, scheduled and first backups listed from the watch caches.
 */
describe('backups through the API', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let bucket: TestBucket;
  let storage: BackupStorageResponse;
  let database: Database;
  const s3 = () => s3ForTests();

  const storageBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'ceph',
    type: 's3',
    bucket: bucket.name,
    endpoint: s3().endpoint,
    region: s3().region,
    accessKeyId: s3().accessKeyId,
    secretAccessKey: s3().secretAccessKey,
    ...overrides,
  });

  const running = async (id: string) =>
    waitFor(
      async () => {
        const db = (await t.request<Database>('GET', `/api/v1/databases/${id}`)).body;
        return db.status === 'RUNNING' ? db : null;
      },
      `database ${id} RUNNING`,
      30_000,
    );

  const settled = (id: string, timeoutMs = 30_000) =>
    waitFor(
      async () => {
        const op = (await t.request<Operation>('GET', `/api/v1/operations/${id}`)).body;
        return ['SUCCEEDED', 'FAILED'].includes(op.status) ? op : null;
      },
      `operation ${id} settled`,
      timeoutMs,
    );

  beforeAll(async () => {
    bucket = await createTestBucket('h14-api');
    [cluster] = (await startClusters(1)) as [SimCluster];
    t = await startTestEngine();
    const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
      name: 'sim-1',
      kubeconfig: cluster.kubeconfig,
    });
    expect(provider.status).toBe(201);
    const created = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      createBody(),
    );
    expect(created.status).toBe(202);
    database = await running(created.body.database.id);
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    await bucket?.cleanup();
  });

  it('adds a storage: keys to the vault, never echoed, logged or audited', async () => {
    const bad = await t.request<{ error: { details: { path: string }[] } }>(
      'POST',
      '/api/v1/backup-storages',
      storageBody({ endpoint: 'not a url', secretAccessKey: '' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('endpoint must be a URL');
    expect(bad.text).toContain('secretAccessKey must not be empty');

    const dry = await t.request<BackupStorageResponse>(
      'POST',
      '/api/v1/backup-storages?dryRun=true',
      storageBody(),
    );
    expect(dry.status).toBe(200);
    expect(
      (await t.request<{ items: unknown[] }>('GET', '/api/v1/backup-storages')).body.items,
    ).toHaveLength(0);

    const response = await t.request<BackupStorageResponse>(
      'POST',
      '/api/v1/backup-storages',
      storageBody({ retentionDays: 14 }),
    );
    expect(response.status).toBe(201);
    storage = response.body;
    expect(storage).toMatchObject({
      name: 'ceph',
      bucket: bucket.name,
      retentionDays: 14,
      accessKeyIdHint: s3().accessKeyId.slice(-4),
      usedBy: [],
    });
    const keys = await t.engine.services.backups.storages.keys(storage.id);
    expect(keys.secretAccessKey).toBe(s3().secretAccessKey);
    const record = await t.store.backupStorages.get(storage.id);
    expect(JSON.stringify(record)).not.toContain(s3().secretAccessKey);

    const patched = await t.request<BackupStorageResponse>(
      'PATCH',
      `/api/v1/backup-storages/${storage.id}`,
      { prefix: 'dbaas' },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.prefix).toBe('dbaas');
    const audit = await t.request<{ items: { target?: { name?: string } }[] }>(
      'GET',
      '/api/v1/audit',
    );
    expect(audit.text).toContain('"ceph"');
    const everything = [...t.responses, ...t.logs].join('\n');
    expect(everything).not.toContain(s3().secretAccessKey);
  });

  it('tests a storage: good keys pass every check; a wrong secret fails credentials; a closed port fails reach', async () => {
    const good = await t.request<StorageTestResponse>(
      'POST',
      `/api/v1/backup-storages/${storage.id}/test`,
    );
    expect(good.status).toBe(200);
    expect(good.body.ok).toBe(true);
    expect(good.body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['reach', true],
      ['credentials', true],
      ['bucket', true],
      ['write', true],
      ['read', true],
      ['delete', true],
    ]);

    const wrong = (
      await t.request<BackupStorageResponse>(
        'POST',
        '/api/v1/backup-storages',
        storageBody({ name: 'wrong-secret', secretAccessKey: 'not-the-secret-0123456789' }),
      )
    ).body;
    const refused = await t.request<StorageTestResponse>(
      'POST',
      `/api/v1/backup-storages/${wrong.id}/test`,
    );
    expect(refused.body.ok).toBe(false);
    expect(refused.body.checks[0]).toMatchObject({ name: 'reach', ok: true });
    expect(refused.body.checks[1]).toMatchObject({ name: 'credentials', ok: false });
    expect(refused.body.checks[1]?.message).toMatch(/refused the access key or secret/);

    const closed = (
      await t.request<BackupStorageResponse>(
        'POST',
        '/api/v1/backup-storages',
        storageBody({ name: 'closed-port', endpoint: 'http://127.0.0.1:9' }),
      )
    ).body;
    const unreachable = await t.request<StorageTestResponse>(
      'POST',
      `/api/v1/backup-storages/${closed.id}/test`,
    );
    expect(unreachable.body.checks[0]).toMatchObject({ name: 'reach', ok: false });
    expect(unreachable.body.checks[0]?.message).toMatch(/127\.0\.0\.1:9/);
    expect(unreachable.text).not.toContain(s3().secretAccessKey);
  });

  it('sets a policy: KubeStash objects valid against the CRDs, nextRunAt, and DELETE of the storage is a 409 naming the database', async () => {
    const bad = await t.request('PUT', `/api/v1/databases/${database.id}/backup-policy`, {
      storageId: storage.id,
      schedule: 'nightly',
      retentionDays: 400,
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('five-field cron');
    expect(bad.text).toContain('retentionDays must be at most 365');

    const dry = await t.request<{ manifests: { kind: string }[] }>(
      'PUT',
      `/api/v1/databases/${database.id}/backup-policy?dryRun=true`,
      { storageId: storage.id, schedule: '0 2 * * *' },
    );
    expect(dry.status).toBe(200);
    expect(dry.body.manifests.map((m) => m.kind)).toEqual([
      'RetentionPolicy',
      'BackupConfiguration',
    ]);
    expect(cluster.state.list('core.kubestash.com/v1alpha1', 'BackupConfiguration')).toHaveLength(
      0,
    );

    const put = await t.request<BackupPolicyResponse>(
      'PUT',
      `/api/v1/databases/${database.id}/backup-policy`,
      { storageId: storage.id, schedule: '0 2 * * *' },
    );
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ schedule: '0 2 * * *', retentionDays: 14, paused: false });
    expect(put.body.nextRunAt).toMatch(/T02:00:00\.000Z$/);

    const ns = database.namespace;
    const configuration = cluster.state.get(
      'core.kubestash.com/v1alpha1',
      'BackupConfiguration',
      ns,
      'orders-backup',
    );
    expect(configuration).toBeDefined();
    const retention = cluster.state.get(
      'storage.kubestash.com/v1alpha1',
      'RetentionPolicy',
      ns,
      'dbaas-keep-14d',
    );
    expect(retention).toBeDefined();
    expect(
      cluster.state.get('storage.kubestash.com/v1alpha1', 'BackupStorage', ns, 'dbaas-ceph'),
    ).toBeDefined();
    // Strict validation against the real CRDs: a server-side dry-run apply with fieldValidation=Strict.
    for (const object of [configuration!, retention!]) {
      const strict = await strictApply(cluster, object);
      expect(strict, `${object.kind} is valid against its CRD`).toBe(200);
    }
    await waitFor(
      () =>
        (
          cluster.state.get(
            'core.kubestash.com/v1alpha1',
            'BackupConfiguration',
            ns,
            'orders-backup',
          )?.status as { phase?: string } | undefined
        )?.phase === 'Ready',
      'BackupConfiguration Ready',
    );

    const inUse = await t.request('DELETE', `/api/v1/backup-storages/${storage.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.text).toContain('orders');
  });

  it('takes an on-demand backup: 202 {operation}, then listed newest first with its snapshot and size', async () => {
    const started = await t.request<{ operation: Operation }>(
      'POST',
      `/api/v1/databases/${database.id}/backups`,
    );
    expect(started.status).toBe(202);
    const operation = await settled(started.body.operation.id);
    expect(operation.status, JSON.stringify(operation.error)).toBe('SUCCEEDED');
    const list = await waitFor(async () => {
      const body = (
        await t.request<BackupListResponse>('GET', `/api/v1/databases/${database.id}/backups`)
      ).body;
      return body.items.some((i) => i.phase === 'Succeeded' && i.snapshot) ? body : null;
    }, 'a listed backup');
    const item = list.items.find((i) => i.phase === 'Succeeded')!;
    expect(item.snapshot).toMatch(/^orders-repo-orders-backup-scheduled-/);
    expect(item.size).toMatch(/B$/);
    expect(item.startedAt).not.toBeNull();
    expect(item.finishedAt).not.toBeNull();
    const policy = await t.request<BackupPolicyResponse>(
      'GET',
      `/api/v1/databases/${database.id}/backup-policy`,
    );
    expect(policy.body.rpoSeconds).not.toBeNull();
  });

  it('a create with `backup` applies the policy with the database and takes the first backup once RUNNING', async () => {
    const created = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      createBody({ name: 'invoices', backup: { storageId: storage.id, schedule: '30 3 * * *' } }),
    );
    expect(created.status).toBe(202);
    const id = created.body.database.id;
    // Applies at once (the first backup beside a scheduled one) agree on one repository password:
    // every version of the encryption Secret carries the same one.
    const passwords = new Set<string>();
    const unsubscribe = cluster.state.subscribe(({ object }) => {
      if (object.kind !== 'Secret' || object.metadata.name !== 'invoices-backup-enc') return;
      const data = (object as { data?: Record<string, string> }).data ?? {};
      if (data.RESTIC_PASSWORD) passwords.add(data.RESTIC_PASSWORD);
    });
    try {
      await Promise.all([1, 2, 3].map(() => t.engine.services.backups.policies.apply(id)));
    } finally {
      unsubscribe();
    }
    expect(passwords.size).toBe(1);
    await running(id);
    const listed = await waitFor(
      async () => {
        const body = (await t.request<BackupListResponse>('GET', `/api/v1/databases/${id}/backups`))
          .body;
        return body.items.find((i) => i.phase === 'Succeeded' && i.snapshot) ?? null;
      },
      'the first backup of invoices',
      45_000,
    );
    expect(listed.snapshot).toMatch(/^invoices-repo-/);
    const policy = await t.request<BackupPolicyResponse>(
      'GET',
      `/api/v1/databases/${id}/backup-policy`,
    );
    expect(policy.body).toMatchObject({ schedule: '30 3 * * *', retentionDays: 14 });
  }, 60_000);

  it('removes a policy: the BackupConfiguration goes, the snapshots stay', async () => {
    const removed = await t.request('DELETE', `/api/v1/databases/${database.id}/backup-policy`);
    expect(removed.status).toBe(204);
    await waitFor(
      () =>
        !cluster.state.get(
          'core.kubestash.com/v1alpha1',
          'BackupConfiguration',
          database.namespace,
          'orders-backup',
        ),
      'the BackupConfiguration removed',
    );
    expect(
      cluster.state.list('storage.kubestash.com/v1alpha1', 'Snapshot', {
        namespace: database.namespace,
      }).length,
    ).toBeGreaterThan(0);
    expect((await t.request('GET', `/api/v1/databases/${database.id}/backup-policy`)).status).toBe(
      404,
    );
  });
});

/** A server-side dry-run apply with strict field validation; the HTTP status. */
async function strictApply(
  cluster: SimCluster,
  object: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } },
): Promise<number> {
  const lower = object.kind.toLowerCase();
  const plural = lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  const [group, version] = object.apiVersion.split('/');
  const url = `${cluster.url}/apis/${group}/${version}/namespaces/${object.metadata.namespace}/${plural}/${object.metadata.name}?fieldManager=strict-check&dryRun=All&fieldValidation=Strict&force=true`;
  const { metadata, ...rest } = object as unknown as Record<string, unknown> & {
    metadata: Record<string, unknown>;
  };
  const body = {
    ...rest,
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels },
  };
  delete (body as Record<string, unknown>).status;
  const response = await fetch(url, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/apply-patch+yaml',
      authorization: `Bearer ${cluster.name}-token`,
    },
    body: JSON.stringify(body),
  });
  return response.status;
}
