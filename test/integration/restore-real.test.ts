/**
 * Restores through the HTTP API against a real data plane and a real S3 (the run's Ceph RGW): a
 * PostgreSQL created through the engine is backed up by KubeStash objects the engine's builders
 * make, rows are deleted, `POST /databases/:id/restore` in place brings them back (checksum), the
 * same into a new database that stays Provisioning until the restore succeeded; an in-place restore
 * of a running database without `replace` is a 409, a dry run previews the RestoreSession, and a
 * restore of a snapshot that is not there is a 422 naming `backupId`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreStartedResponse } from '../../engine/api/contracts-backup';
import type { Database, Operation } from '../../engine/domain';
import {
  backupNames,
  buildBackupConfiguration,
  buildBackupStorage,
  buildEncryptionSecret,
  buildRetentionPolicy,
  buildS3Secret,
} from '../../engine/kubedb/kubestash';
import type { KubeObject } from '../../sim/core/contract';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { backupThroughBuilders, sql } from '../helpers/backup-cluster';
import { createBody } from '../helpers/databases';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

const CORE = 'core.kubestash.com/v1alpha1';
const WRITE =
  'CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 3000) g;';
const CHECKSUM =
  "SELECT count(*) || ':' || md5(string_agg(id || '=' || v, ',' ORDER BY id)) FROM items";

let cluster: SimCluster;
let t: TestEngine;
let dir: string;
let bucket: TestBucket;
let providerId: string;
let source: Database;

async function operationDone(id: string, ms = 180_000): Promise<Operation> {
  return waitFor(
    async () => {
      const op = (await t.request<Operation>('GET', `/api/v1/operations/${id}`)).body;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status) ? op : undefined;
    },
    `operation ${id} to finish`,
    ms,
  );
}

/** What h14-api's policy service applies: storage, keys, retention, encryption, configuration. */
function applyBackupPolicy(database: Database): void {
  const s3 = s3ForTests();
  const storage = {
    id: 'st1',
    name: 'ceph',
    type: 's3' as const,
    bucket: bucket.name,
    endpoint: s3.endpoint,
    region: s3.region,
    prefix: 'restore-test',
    vaultRef: 'unused',
    revision: 1,
    createdAt: '',
    updatedAt: '',
  };
  const ns = database.namespace;
  const objects: KubeObject[] = [
    buildS3Secret(storage, ns, s3) as KubeObject,
    buildBackupStorage(storage, ns) as KubeObject,
    buildRetentionPolicy(7, ns) as KubeObject,
    buildEncryptionSecret(database, 'restic-password-of-the-restore-test') as KubeObject,
    buildBackupConfiguration(database, {
      schedule: '0 3 1 1 *',
      retentionDays: 7,
      storage,
    }) as KubeObject,
  ];
  for (const object of objects) cluster.state.create(object);
}

/** A backup taken after the rows were written; answers the snapshot name. */
const backupNow = (database: Database) => backupThroughBuilders(cluster, database);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'restore-real-'));
  bucket = await createTestBucket('restore');
  cluster = await startSimCluster({
    name: 'real-1',
    crdsDir: crdsDirForTests(),
    speed: 50,
    dataPlane: 'real',
    dataPlaneDir: join(dir, 'data'),
  });
  t = await startTestEngine();
  const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
    name: 'real-1',
    kubeconfig: cluster.kubeconfig,
    region: 'eu-west',
  });
  expect(provider.status, provider.text).toBe(201);
  providerId = provider.body.id;
  const created = await t.request<{ database: Database; operation: Operation }>(
    'POST',
    '/api/v1/databases',
    createBody({ name: 'orders', engine: 'postgres', version: '15.5', providerId }),
  );
  expect(created.status, created.text).toBe(202);
  source = created.body.database;
  expect((await operationDone(created.body.operation.id)).status).toBe('SUCCEEDED');
  await waitFor(
    async () =>
      (await t.request<Database>('GET', `/api/v1/databases/${source.id}`)).body.status ===
      'RUNNING',
    'the source database RUNNING',
    90_000,
  );
  await sql(cluster, source.namespace, 'Postgres', source.name, WRITE);
  applyBackupPolicy(source);
}, 240_000);

afterAll(async () => {
  await t?.stop();
  await cluster?.stop();
  await bucket?.cleanup().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('POST /api/v1/databases/:id/restore on real data', () => {
  let before = '';
  let snapshot = '';

  it('restores in place with replace: true: the deleted rows are back', async () => {
    before = await sql(cluster, source.namespace, 'Postgres', source.name, CHECKSUM);
    expect(before).toMatch(/^3000:/);
    snapshot = await backupNow(source);
    expect(snapshot).not.toBe('');
    await sql(cluster, source.namespace, 'Postgres', source.name, 'DELETE FROM items WHERE id % 3 = 0'); // prettier-ignore
    expect(await sql(cluster, source.namespace, 'Postgres', source.name, CHECKSUM)).toMatch(/^2000:/); // prettier-ignore

    const refused = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      target: { inPlace: true },
    });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.text).toMatch(/replace/);

    const preview = await t.request<{ manifests: KubeObject[] }>(
      'POST',
      `/api/v1/databases/${source.id}/restore?dryRun=true`,
      { backupId: snapshot, target: { inPlace: true, replace: true } },
    );
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.manifests.map((m) => m.kind)).toEqual(['RestoreSession']);
    expect(cluster.state.list(CORE, 'RestoreSession')).toHaveLength(0);

    const missing = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      backupId: 'no-such-snapshot',
      target: { inPlace: true, replace: true },
    });
    expect(missing.status, missing.text).toBe(422);
    expect(missing.text).toMatch(/backupId/);

    const started = await t.request<RestoreStartedResponse>(
      'POST',
      `/api/v1/databases/${source.id}/restore`,
      { backupId: snapshot, target: { inPlace: true, replace: true } },
    );
    expect(started.status, started.text).toBe(202);
    const op = await operationDone(started.body.operation.id);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    expect(op.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['apply RestoreSession', 'wait for KubeStash', 'wait for Ready']),
    );
    expect(await sql(cluster, source.namespace, 'Postgres', source.name, CHECKSUM)).toBe(before);
    const sessions = cluster.state.list(CORE, 'RestoreSession', {
      namespace: source.namespace,
    });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.spec).toMatchObject({ dataSource: { snapshot } });
  }, 300_000);

  it('restores into a new database that becomes RUNNING only after the restore', async () => {
    const started = await t.request<RestoreStartedResponse>(
      'POST',
      `/api/v1/databases/${source.id}/restore`,
      { target: { newName: 'orders-copy', project: 'copies' } },
    );
    expect(started.status, started.text).toBe(202);
    const copy = started.body.database!;
    expect(copy.name).toBe('orders-copy');
    expect(copy.namespace).not.toBe(source.namespace);
    const live = await waitFor(
      () => cluster.state.get('kubedb.com/v1', 'Postgres', copy.namespace, copy.name),
      'the new database object',
      60_000,
    );
    expect(live.spec).toMatchObject({ init: { waitForInitialRestore: true } });
    const op = await operationDone(started.body.operation.id);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    expect(await sql(cluster, copy.namespace, 'Postgres', copy.name, CHECKSUM)).toBe(before);
    await waitFor(
      async () =>
        (await t.request<Database>('GET', `/api/v1/databases/${copy.id}`)).body.status ===
        'RUNNING',
      'the new database RUNNING',
      60_000,
    );
    // The source is untouched and still has its rows.
    expect(await sql(cluster, source.namespace, 'Postgres', source.name, CHECKSUM)).toBe(before);
    const dup = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      target: { newName: 'orders-copy', project: 'copies' },
    });
    expect(dup.status, dup.text).toBe(409);
    expect(backupNames(source).repository).toBe('orders-repo');
  }, 300_000);

  it('shows RPO, the last restore as RTO, the window; a target time outside it is a 422', async () => {
    const view = await t.request<{
      points: { name: string; time: string }[];
      recoverableWindow: { from: string; to: string; source: string };
      rpoSeconds: number;
      rtoSeconds: number;
      objectives: { rpoSeconds: number; rtoSeconds: number; breached: string[] };
    }>('GET', `/api/v1/databases/${source.id}/recovery`);
    expect(view.status, view.text).toBe(200);
    expect(view.body.points.map((p) => p.name)).toContain(snapshot);
    expect(view.body.recoverableWindow.source).toBe('snapshots');
    expect(view.body.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(view.body.rpoSeconds).toBeLessThan(3600);
    // The in-place restore above took seconds: that is the RTO, within the 4 h objective.
    expect(view.body.rtoSeconds).toBeGreaterThan(0);
    expect(view.body.rtoSeconds).toBeLessThan(600);
    expect(view.body.objectives).toEqual({ rpoSeconds: 3600, rtoSeconds: 14400, breached: [] });

    const { from, to } = view.body.recoverableWindow;
    const early = new Date(Date.parse(from) - 3600_000).toISOString();
    const outside = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      pitr: { targetTime: early },
      target: { newName: 'orders-early' },
    });
    expect(outside.status, outside.text).toBe(422);
    expect(outside.text).toContain(`${from} .. ${to}`);
    expect(outside.text).toContain('pitr.targetTime');

    // Inside the window: a preview restores the newest snapshot at or before the target.
    const inside = await t.request<{ manifests: KubeObject[] }>(
      'POST',
      `/api/v1/databases/${source.id}/restore?dryRun=true`,
      { pitr: { targetTime: to }, target: { newName: 'orders-pitr' } },
    );
    expect(inside.status, inside.text).toBe(200);
    const session = inside.body.manifests.find((m) => m.kind === 'RestoreSession')!;
    expect(session.spec).toMatchObject({ dataSource: { snapshot: view.body.points.at(-1)!.name } });

    const both = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      backupId: snapshot,
      pitr: { targetTime: to },
      target: { inPlace: true, replace: true },
    });
    expect(both.status, both.text).toBe(400);
    expect(both.text).toMatch(/not both/);
  }, 60_000);

  it('runs restore drills through the data path: counts and verify.sql pass, a failing verify.sql fails, every scratch database is deleted', async () => {
    const drill = async (verify?: { sql?: string; command?: string }) => {
      const created = await t.request<{ id: string; nextRunAt: string | null }>(
        'POST',
        '/api/v1/restore-drills',
        { databaseId: source.id, schedule: '0 4 * * 0', ...(verify ? { verify } : {}) },
      );
      expect(created.status, created.text).toBe(201);
      return created.body;
    };
    const bad = await t.request('POST', '/api/v1/restore-drills', { schedule: '0 4 * * 0' });
    expect([bad.status, bad.text]).toEqual([400, expect.stringMatching(/databaseId or project/)]);
    const write = await t.request('POST', '/api/v1/restore-drills', { databaseId: source.id, schedule: '0 4 * * 0', verify: { command: 'FLUSHALL' } }); // prettier-ignore
    expect(write.status, write.text).toBe(400);
    expect(write.text).toMatch(/verify\.command must be one of the read-only commands/);

    // Three drills at once, each into its own scratch database.
    const [counted, queried, failing] = await Promise.all([
      drill(),
      drill({ sql: 'SELECT count(*) FROM items' }),
      drill({ sql: 'SELECT count(*) FROM no_such_table' }),
    ]);
    const next = new Date(counted.nextRunAt!);
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([0, 4, 0]);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const firstRun = (id: string) =>
      waitFor(
        async () =>
          (await t.request<{ runs: DrillRunView[] }>('GET', `/api/v1/restore-drills/${id}`)).body
            .runs[0],
        `the first run of drill ${id}`,
        240_000,
      );
    const [byCounts, bySql, bad2] = await Promise.all(
      [counted, queried, failing].map((d) => firstRun(d.id)),
    );
    expect(byCounts!.passed, byCounts!.message).toBe(true);
    expect(byCounts!.message).toMatch(/row counts \(source → restore\): public\.items 3000 → 3000/);
    expect(byCounts!.rtoSeconds).not.toBeNull();
    expect(byCounts!.rtoSeconds!).toBeGreaterThanOrEqual(0);
    expect(bySql!.passed, bySql!.message).toBe(true);
    expect(bySql!.message).toMatch(/verify\.sql returned 1 row: count=3000$/);
    expect(bad2!.passed, bad2!.message).toBe(false);
    expect(bad2!.message).toMatch(
      /but the verification failed: verify\.sql failed: relation "no_such_table" does not exist/,
    );
    for (const run of [byCounts!, bySql!, bad2!]) {
      expect(run.message).not.toMatch(/phase-only/);
      await waitFor(
        async () => {
          const scratch = await t.request<Database>(
            'GET',
            `/api/v1/databases/${run.scratchDatabaseId}`,
          );
          return scratch.status === 404 || scratch.body.status === 'DELETED' ? true : undefined;
        },
        'the scratch database deleted',
        120_000,
      );
    }
    await waitFor(
      () => cluster.state.list('kubedb.com/v1', 'Postgres').every((p) => !/-drill-/.test(p.metadata.name ?? '')), // prettier-ignore
      'no scratch Postgres left on the cluster',
      120_000,
    );
    const list = await t.request<{ items: { id: string; runningSince?: string | null }[] }>('GET', '/api/v1/restore-drills'); // prettier-ignore
    expect(list.body.items.map((d) => d.id).sort()).toEqual([counted.id, queried.id, failing.id].sort()); // prettier-ignore
    expect(list.body.items.every((d) => !d.runningSince)).toBe(true);
  }, 300_000);

  it('maps the estate, and finds the snapshots of a deleted database as orphans', async () => {
    type EstateView = {
      items: {
        kind: string;
        name: string;
        namespace: string;
        databaseId?: string;
        managed: boolean;
        orphan?: string;
      }[];
      unprotected: { databaseId: string; reason: string }[];
    };
    // An object the engine did not create: a Repository nothing writes to.
    cluster.state.create({
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Repository',
      metadata: { name: 'hand-made-repo', namespace: source.namespace },
      spec: { storageRef: { name: 'dbaas-ceph', namespace: source.namespace }, path: '/hand-made' },
    });
    const estate = await t.request<EstateView>(
      'GET',
      `/api/v1/backup-estate?providerId=${providerId}`,
    );
    expect(estate.status, estate.text).toBe(200);
    const bc = estate.body.items.find(
      (i) => i.kind === 'BackupConfiguration' && i.name === 'orders-backup',
    );
    expect(bc).toMatchObject({ databaseId: source.id, managed: true });
    expect(estate.body.items.find((i) => i.kind === 'BackupStorage')).toBeDefined();
    const snaps = estate.body.items.filter((i) => i.kind === 'Snapshot');
    expect(snaps.length).toBeGreaterThan(0);
    expect(snaps.every((i) => i.databaseId === source.id && !i.orphan)).toBe(true);
    const handMade = estate.body.items.find((i) => i.name === 'hand-made-repo')!;
    expect(handMade).toMatchObject({
      managed: false,
      orphan: 'no BackupConfiguration writes to it',
    });
    expect(estate.body.unprotected.map((u) => u.databaseId)).not.toContain(source.id);
    const copies = await t.request<{ items: Database[] }>(
      'GET',
      '/api/v1/databases?project=copies',
    );
    const copy = copies.body.items.find((d) => d.name === 'orders-copy')!;
    expect(estate.body.unprotected).toContainEqual({
      databaseId: copy.id,
      name: 'orders-copy',
      state: 'unconfigured',
      reason: 'no backup configuration',
    });
    const notOrphan = await t.request('POST', '/api/v1/backup-estate/cleanup', {
      providerId,
      namespace: source.namespace,
      kind: 'Snapshot',
      name: snaps[0]!.name,
    });
    expect(notOrphan.status, notOrphan.text).toBe(409);

    const removed = await t.request<{ operation: Operation }>(
      'DELETE',
      `/api/v1/databases/${source.id}`,
    );
    expect(removed.status, removed.text).toBe(202);
    expect((await operationDone(removed.body.operation.id)).status).toBe('SUCCEEDED');
    const after = await t.request<EstateView>('GET', '/api/v1/backup-estate');
    const orphans = after.body.items.filter((i) => i.kind === 'Snapshot' && i.orphan);
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans[0]!.orphan).toBe(`its database ${source.namespace}/orders is gone`);
    const cleaned = await t.request('POST', '/api/v1/backup-estate/cleanup', {
      providerId,
      namespace: orphans[0]!.namespace,
      kind: 'Snapshot',
      name: orphans[0]!.name,
    });
    expect(cleaned.status, cleaned.text).toBe(200);
    await waitFor(
      () =>
        !cluster.state.get(
          'storage.kubestash.com/v1alpha1',
          'Snapshot',
          orphans[0]!.namespace,
          orphans[0]!.name,
        ),
      'the orphan snapshot deleted',
      30_000,
    );
  }, 300_000);
});

interface DrillRunView {
  passed: boolean | null;
  rtoSeconds: number | null;
  message: string;
  scratchDatabaseId?: string;
}
