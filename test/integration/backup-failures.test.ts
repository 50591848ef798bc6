/**
 * When backups fail, through the HTTP API of a daemon (a child process, so that it can be killed)
 * on one real-data-plane cluster and the run's Ceph RGW: wrong keys, an unreachable endpoint and a
 * bucket over its quota each fail the backup after three attempts with KubeStash's reason, no
 * secret anywhere and no Succeeded snapshot; a PATCH of the storage repairs it. Retention keeps
 * exactly keepLast snapshots in restic and in the API's list. A SIGKILL of the daemon while a
 * RestoreSession runs: the next daemon finishes the restore, with one RestoreSession for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupListResponse, BackupStorageResponse } from '../../engine/api/contracts';
import type { Database, Operation } from '../../engine/domain';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { sql } from '../helpers/backup-cluster';
import {
  repositoryLocation,
  resticOfDatabase,
  setBucketQuota,
  snapshotObjects,
  startDaemon,
  until,
  type DaemonApi,
} from '../helpers/backup-daemon';
import { createBody } from '../helpers/databases';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

const CORE = 'core.kubestash.com/v1alpha1';
const STORAGE = 'storage.kubestash.com/v1alpha1';
const WRONG_SECRET = 'not-the-secret-of-this-run-0123456789';
// Enough rows (about 12 MB dumped) that a RestoreSession runs long enough to be caught running.
const WRITE =
  'CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, md5(g::text) || repeat(md5((g * 7)::text), 6) FROM generate_series(1, 50000) g;';
const CHECKSUM =
  "SELECT count(*) || ':' || md5(string_agg(id || '=' || v, ',' ORDER BY id)) FROM items";

let cluster: SimCluster;
let dir: string;
let bucket: TestBucket;
let full: TestBucket;
let api: DaemonApi;
let database: Database;
let storage: BackupStorageResponse;
/** Every answer body the daemons gave, for the secret checks. */
const seen: string[] = [];
const daemons: DaemonApi[] = [];

const s3 = () => s3ForTests();
const query = (statement: string) =>
  sql(cluster, database.namespace, 'Postgres', database.name, statement);

async function settled(id: string, ms = 120_000): Promise<Operation> {
  return until(
    async () => {
      const op = (await api.call<Operation>('GET', `/api/v1/operations/${id}`)).body;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status) ? op : undefined;
    },
    `operation ${id} to settle`,
    ms,
  );
}

async function backup(): Promise<Operation> {
  const started = await api.call<{ operation: Operation }>(
    'POST',
    `/api/v1/databases/${database.id}/backups`,
  );
  expect(started.status, started.text).toBe(202);
  return settled(started.body.operation.id);
}

async function patchStorage(patch: Record<string, unknown>): Promise<void> {
  const patched = await api.call('PATCH', `/api/v1/backup-storages/${storage.id}`, patch);
  expect(patched.status, patched.text).toBe(200);
}

/** The sessions of `operation` as the API lists them. */
async function sessionsOf(operation: Operation): Promise<BackupListResponse['items']> {
  const list = await api.call<BackupListResponse>(
    'GET',
    `/api/v1/databases/${database.id}/backups`,
  );
  expect(list.status, list.text).toBe(200);
  const names = new Set(
    cluster.state
      .list(CORE, 'BackupSession', { namespace: database.namespace })
      .filter((s) => s.metadata.labels?.['dbaas.kubedb.dev/operation-id'] === operation.id)
      .map((s) => s.metadata.name),
  );
  return list.body.items.filter((item) => names.has(item.id));
}

/** The restic snapshots in the bucket the storage points at now. */
const snapshotIds = () => snapshotObjects(repositoryLocation(cluster, database, 'ceph'));

/** A failed backup: three attempts, three failed sessions naming `reason`, no snapshot made. */
async function expectFailedBackup(reason: RegExp): Promise<Operation> {
  const before = await snapshotIds();
  const op = await backup();
  expect(op.status, JSON.stringify(op)).toBe('FAILED');
  expect(op.attempts).toBe(3);
  expect(op.error?.message).toMatch(reason);
  const sessions = await sessionsOf(op);
  expect(sessions.map((s) => s.phase)).toEqual(['Failed', 'Failed', 'Failed']);
  for (const session of sessions) expect(session.error).toMatch(reason);
  // Nothing half-written counts: no Snapshot of these sessions succeeded.
  const snapshots = cluster.state
    .list(STORAGE, 'Snapshot', { namespace: database.namespace })
    .filter((s) =>
      sessions.some((i) => i.id === (s.spec as { backupSession?: string }).backupSession),
    );
  expect(snapshots.map((s) => (s.status as { phase?: string }).phase)).not.toContain('Succeeded');
  expect(await snapshotIds()).toEqual(before);
  return op;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-failures-'));
  // The daemon's start (tsx) takes seconds: overlap it with the cluster's and the buckets'.
  const daemon = startDaemon(join(dir, 'engine'), seen).then((started) => {
    daemons.push(started);
    return started;
  });
  [bucket, full, cluster, api] = await Promise.all([
    createTestBucket('h14-fail'),
    createTestBucket('h14-full'),
    startSimCluster({
      name: 'real-1',
      crdsDir: crdsDirForTests(),
      speed: 50,
      dataPlane: 'real',
      dataPlaneDir: join(dir, 'data'),
    }),
    daemon,
  ]);
  const provider = await api.call<{ id: string }>('POST', '/api/v1/providers', {
    name: 'real-1',
    kubeconfig: cluster.kubeconfig,
  });
  expect(provider.status, provider.text).toBe(201);
  const created = await api.call<{ database: Database; operation: Operation }>(
    'POST',
    '/api/v1/databases',
    createBody({ engine: 'postgres', version: '15.5', providerId: provider.body.id }),
  );
  expect(created.status, created.text).toBe(202);
  database = created.body.database;
  expect((await settled(created.body.operation.id)).status).toBe('SUCCEEDED');
  await until(
    async () =>
      (await api.call<Database>('GET', `/api/v1/databases/${database.id}`)).body.status ===
      'RUNNING',
    'the database RUNNING',
    90_000,
  );
  await query(WRITE);
  const added = await api.call<BackupStorageResponse>('POST', '/api/v1/backup-storages', {
    name: 'ceph',
    type: 's3',
    bucket: bucket.name,
    endpoint: s3().endpoint,
    region: s3().region,
    accessKeyId: s3().accessKeyId,
    secretAccessKey: WRONG_SECRET,
  });
  expect(added.status, added.text).toBe(201);
  storage = added.body;
  const policy = await api.call('PUT', `/api/v1/databases/${database.id}/backup-policy`, {
    storageId: storage.id,
    schedule: '0 3 1 1 *',
    retention: { keepLast: 2 },
  });
  expect(policy.status, policy.text).toBe(200);
}, 180_000);

afterAll(async () => {
  for (const daemon of daemons) daemon.process.signal('SIGKILL');
  await Promise.all(daemons.map((daemon) => daemon.process.exited));
  await cluster?.stop();
  await Promise.all([bucket, full].map((b) => b?.cleanup().catch(() => undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('failed backups through the API', () => {
  it('wrong keys: FAILED after 3 attempts with KubeStash reason, no secret anywhere; a PATCH of the keys repairs it', async () => {
    const op = await expectFailedBackup(/rejected the access key or secret key/);
    expect(op.error?.message).toMatch(/WrongCredentials/);
    const audit = await api.call('GET', '/api/v1/audit');
    expect(audit.status).toBe(200);
    const everything = [...seen, ...api.process.output].join('\n');
    for (const secret of [WRONG_SECRET, s3().secretAccessKey])
      expect(everything).not.toContain(secret);

    await patchStorage({ secretAccessKey: s3().secretAccessKey });
    const repaired = await backup();
    expect(repaired.status, JSON.stringify(repaired.error)).toBe('SUCCEEDED');
    expect(repaired.attempts).toBe(1);
    const [session] = await sessionsOf(repaired);
    expect(session).toMatchObject({ phase: 'Succeeded' });
    expect(session?.snapshot).toBeTruthy();
    expect(await resticOfDatabase(cluster, database, 'ceph').snapshots()).toHaveLength(1);
    // The audit records the PATCH of the keys, without them.
    const audited = await api.call('GET', '/api/v1/audit');
    expect(audited.text).toContain('"ceph"');
    expect([...seen, ...api.process.output].join('\n')).not.toContain(s3().secretAccessKey);
  }, 150_000);

  it('an unreachable endpoint: FAILED after 3 attempts naming reachability and the endpoint', async () => {
    await patchStorage({ endpoint: 'http://127.0.0.1:9' });
    const op = await expectFailedBackup(/unreachable/);
    expect(op.error?.message).toMatch(/StorageUnreachable/);
    expect(op.error?.message).toMatch(/127\.0\.0\.1:9/);
    await patchStorage({ endpoint: s3().endpoint });
  }, 150_000);

  it('a bucket over its quota: FAILED after 3 attempts naming the quota, no snapshot in it', async () => {
    setBucketQuota(full.name, 16 * 1024);
    await patchStorage({ bucket: full.name });
    const op = await expectFailedBackup(/quota/);
    expect(op.error?.message).toMatch(/QuotaExceeded/);
    expect(await snapshotIds()).toEqual([]);
    await patchStorage({ bucket: bucket.name });
  }, 150_000);
});

describe('retention through the product', () => {
  it('keepLast 2 and four backups: two restic snapshots in S3, two Snapshots listed', async () => {
    // The repaired backup of the first test is the first of the four.
    for (let i = 0; i < 3; i++) expect((await backup()).status).toBe('SUCCEEDED');
    const inS3 = await resticOfDatabase(cluster, database, 'ceph').snapshots();
    expect(inS3).toHaveLength(2);
    const list = await api.call<BackupListResponse>(
      'GET',
      `/api/v1/databases/${database.id}/backups`,
    );
    const kept = list.body.items.filter((i) => i.phase === 'Succeeded' && i.snapshot);
    expect(kept).toHaveLength(2);
    const ids = kept.map(
      (i) =>
        (
          cluster.state.get(STORAGE, 'Snapshot', database.namespace, i.snapshot!)?.spec as {
            snapshotID?: string;
          }
        )?.snapshotID,
    );
    expect(ids.sort()).toEqual(inS3.map((s) => s.id).sort());
  }, 200_000);
});

describe('kill -9 of the daemon during a restore', () => {
  it('the next daemon finishes the restore: rows back, one RestoreSession for the operation', async () => {
    // Every backup holds the rows written before the first; the newest that retention kept is used.
    const before = await query(CHECKSUM);
    expect(before).toMatch(/^50000:/);
    const list = await api.call<BackupListResponse>(
      'GET',
      `/api/v1/databases/${database.id}/backups`,
    );
    const latest = list.body.items.find((i) => i.phase === 'Succeeded' && i.snapshot)!;
    await query('DELETE FROM items WHERE id % 3 = 0');
    expect(await query(CHECKSUM)).not.toBe(before);

    const started = await api.call<{ operation: Operation }>(
      'POST',
      `/api/v1/databases/${database.id}/restore`,
      { backupId: latest.snapshot, target: { inPlace: true, replace: true } },
    );
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operation.id;
    const restoreSessions = () =>
      cluster.state.list(CORE, 'RestoreSession', { namespace: database.namespace });
    const running = await until(
      () =>
        restoreSessions().find(
          (s) =>
            s.metadata.labels?.['dbaas.kubedb.dev/operation-id'] === operationId &&
            (s.status as { phase?: string } | undefined)?.phase === 'Running',
        ),
      'the RestoreSession to run',
      60_000,
      10,
    );
    api.process.signal('SIGKILL');
    expect(await api.process.exited).toBeNull();

    api = await startDaemon(join(dir, 'engine'), seen);
    daemons.push(api);
    const op = await settled(operationId, 120_000);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    expect(op.attempts).toBeGreaterThanOrEqual(2);
    // The killed attempt's wait shows as interrupted; the next one applied the same session.
    expect(op.steps.find((s) => s.status === 'failed')?.message).toMatch(/^interrupted: attempt 1/);
    const applied = op.steps.filter((s) => s.name === 'apply RestoreSession');
    expect(new Set(applied.map((s) => s.message))).toEqual(new Set([running.metadata.name]));
    expect(await query(CHECKSUM)).toBe(before);
    // Never a second RestoreSession for the intent: by name and by the operation's label.
    expect(restoreSessions().map((s) => s.metadata.name)).toEqual([running.metadata.name]);
    // The executor's guard on a redelivery lists by the operation's label: it sees that one only.
    const labelled = cluster.state.list(CORE, 'RestoreSession', {
      namespace: database.namespace,
      labels: { 'dbaas.kubedb.dev/operation-id': operationId },
    });
    expect(labelled.map((s) => s.metadata.name)).toEqual([running.metadata.name]);
    const everything = [...seen, ...daemons.flatMap((d) => d.process.output)].join('\n');
    for (const secret of [WRONG_SECRET, s3().secretAccessKey])
      expect(everything).not.toContain(secret);
  }, 240_000);

  it('a backup whose daemon is killed mid-session: the next daemon adopts that session, no second one', async () => {
    const started = await api.call<{ operation: Operation }>(
      'POST',
      `/api/v1/databases/${database.id}/backups`,
    );
    expect(started.status, started.text).toBe(202);
    const operationId = started.body.operation.id;
    const labelled = () =>
      cluster.state.list(CORE, 'BackupSession', {
        namespace: database.namespace,
        labels: { 'dbaas.kubedb.dev/operation-id': operationId },
      });
    const running = await until(
      () =>
        labelled().find((s) => (s.status as { phase?: string } | undefined)?.phase === 'Running'),
      'the BackupSession to run',
      60_000,
      10,
    );
    api.process.signal('SIGKILL');
    await api.process.exited;
    api = await startDaemon(join(dir, 'engine'), seen);
    daemons.push(api);
    const op = await settled(operationId);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    expect(op.attempts).toBeGreaterThanOrEqual(2);
    expect(labelled().map((s) => s.metadata.name)).toEqual([running.metadata.name]);
  }, 180_000);
});
