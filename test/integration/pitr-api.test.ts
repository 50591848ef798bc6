/**
 * Point-in-time recovery through the HTTP API, on the real data plane and the run's Ceph S3: a
 * PostgreSQL created through the engine gets `pitr: true` in its backup policy, so the engine
 * applies a PostgresArchiver and the database's `spec.archiver.ref` (valid against the real CRDs,
 * strict); the simulated KubeDB restarts the server with WAL archiving; `GET …/recovery` shows the
 * window the archiver recorded in the `<db>-full` Snapshots; a restore in place to a time between
 * two writes keeps the first and drops the second; `pitr: false` removes the reference cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupPolicyResponse, BackupStorageResponse } from '../../engine/api/contracts';
import type { RestoreStartedResponse } from '../../engine/api/contracts-backup';
import type { Database, Operation } from '../../engine/domain';
import type { KubeObject } from '../../sim/core/contract';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { sql as sqlOn } from '../helpers/backup-cluster';
import { createBody } from '../helpers/databases';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

const ARCHIVER_API = 'archiver.kubedb.com/v1alpha1';
const CORE = 'core.kubestash.com/v1alpha1';

interface RecoveryBody {
  recoverableWindow: { from: string; to: string; source: string } | null;
}

let cluster: SimCluster;
let t: TestEngine;
let dir: string;
let bucket: TestBucket;
let storage: BackupStorageResponse;
let source: Database;

const sql = (statement: string): Promise<string> =>
  sqlOn(cluster, source.namespace, 'Postgres', source.name, statement);

/** A statement retried while the server restarts (a pod restart drops connections). */
const sqlWhenUp = (statement: string, what: string, until: (out: string) => boolean) =>
  waitFor(
    async () => {
      const out = await sql(statement).catch(() => undefined);
      return out !== undefined && until(out) ? out : undefined;
    },
    what,
    60_000,
  );

const live = (): KubeObject | undefined =>
  cluster.state.get('kubedb.com/v1', 'Postgres', source.namespace, source.name);

async function operationDone(id: string, ms = 120_000): Promise<Operation> {
  return waitFor(
    async () => {
      const op = (await t.request<Operation>('GET', `/api/v1/operations/${id}`)).body;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status) ? op : undefined;
    },
    `operation ${id} to finish`,
    ms,
  );
}

/** Switches to a new WAL segment and waits until the finished one is archived. */
async function switchAndWaitArchived(): Promise<void> {
  const finished = await sql('SELECT pg_walfile_name(pg_switch_wal())');
  await sqlWhenUp(
    "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
    `segment ${finished} archived`,
    (last) => last >= finished,
  );
}

const nowInDb = () =>
  sql(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

const policy = (pitr: boolean) => ({ storageId: storage.id, schedule: '0 3 1 1 *', pitr });

/** A server-side dry-run apply with strict field validation; the HTTP status and message. */
async function strictApply(object: KubeObject, plural: string): Promise<string> {
  const [group, version] = object.apiVersion.split('/');
  const { namespace, name, labels } = object.metadata;
  const url = `${cluster.url}/apis/${group}/${version}/namespaces/${namespace}/${plural}/${name}?fieldManager=strict-check&dryRun=All&fieldValidation=Strict&force=true`;
  const response = await fetch(url, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/apply-patch+yaml',
      authorization: `Bearer ${cluster.name}-token`,
    },
    body: JSON.stringify({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name, namespace, labels },
      spec: object.spec,
    }),
  });
  return `${response.status} ${response.status === 200 ? '' : await response.text()}`.trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pitr-api-'));
  bucket = await createTestBucket('pitr-api');
  cluster = await startSimCluster({
    name: 'real-pitr',
    crdsDir: crdsDirForTests(),
    speed: 50,
    dataPlane: 'real',
    dataPlaneDir: join(dir, 'data'),
  });
  t = await startTestEngine();
  const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
    name: 'real-pitr',
    kubeconfig: cluster.kubeconfig,
  });
  expect(provider.status, provider.text).toBe(201);
  const s3 = s3ForTests();
  const stored = await t.request<BackupStorageResponse>('POST', '/api/v1/backup-storages', {
    name: 'ceph',
    type: 's3',
    bucket: bucket.name,
    endpoint: s3.endpoint,
    region: s3.region,
    prefix: 'pitr-api',
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  expect(stored.status, stored.text).toBe(201);
  storage = stored.body;
  const created = await t.request<{ database: Database; operation: Operation }>(
    'POST',
    '/api/v1/databases',
    createBody({ name: 'orders', engine: 'postgres', version: '15.5', providerId: provider.body.id }), // prettier-ignore
  );
  expect(created.status, created.text).toBe(202);
  source = created.body.database;
  await waitFor(
    async () =>
      (await t.request<Database>('GET', `/api/v1/databases/${source.id}`)).body.status ===
      'RUNNING',
    'the database RUNNING',
    90_000,
  );
}, 150_000);

afterAll(async () => {
  await t?.stop();
  await cluster?.stop();
  await bucket?.cleanup().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('PITR through the API (real PostgreSQL, Ceph S3)', () => {
  it('applies a PostgresArchiver and spec.archiver.ref for pitr: true; engines without one are a 422', async () => {
    const put = await t.request<BackupPolicyResponse>(
      'PUT',
      `/api/v1/databases/${source.id}/backup-policy`,
      policy(true),
    );
    expect(put.status, put.text).toBe(200);
    expect(put.body.pitr).toBe(true);
    const ns = source.namespace;
    const archiver = cluster.state.get(ARCHIVER_API, 'PostgresArchiver', ns, 'orders-archiver');
    expect(archiver?.spec).toMatchObject({
      backupStorage: { ref: { name: 'dbaas-ceph', namespace: ns } },
      encryptionSecret: { name: 'orders-backup-enc', namespace: ns },
    });
    expect(await strictApply(archiver!, 'postgresarchivers')).toBe('200');
    expect((live()?.spec as { archiver?: unknown } | undefined)?.archiver).toEqual({
      ref: { name: 'orders-archiver', namespace: ns },
    });
    expect(await strictApply(live()!, 'postgreses')).toBe('200');

    // The database's own apply (a settings change as kubedb-dbaas) leaves the reference alone.
    const patched = await t.request<{ operation: Operation }>(
      'PATCH',
      `/api/v1/databases/${source.id}`,
      { labels: { team: 'pitr' } },
    );
    expect(patched.status, patched.text).toBe(202);
    expect((await operationDone(patched.body.operation.id)).status).toBe('SUCCEEDED');
    expect(live()?.metadata.labels?.team).toBe('pitr');
    const after = (await t.request<Database>('GET', `/api/v1/databases/${source.id}`)).body;
    expect(after.drift.filter((d) => d.path.includes('archiver'))).toEqual([]);
    expect((live()?.spec as { archiver?: unknown } | undefined)?.archiver).toEqual({
      ref: { name: 'orders-archiver', namespace: ns },
    });

    const withBackup = await t.request('POST', '/api/v1/databases', {
      ...createBody({ name: 'docs', engine: 'mongodb', version: '7.0.8' }),
      backup: policy(true),
    });
    expect(withBackup.status, withBackup.text).toBe(422);
    expect(withBackup.text).toContain('not available for mongodb');
    expect(withBackup.text).toContain('backup.pitr');
    const mongo = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      createBody({ name: 'docs', engine: 'mongodb', version: '7.0.8' }),
    );
    expect(mongo.status, mongo.text).toBe(202);
    const refused = await t.request(
      'PUT',
      `/api/v1/databases/${mongo.body.database.id}/backup-policy`,
      policy(true),
    );
    expect(refused.status, refused.text).toBe(422);
    expect(refused.text).toContain('not available for mongodb');
  }, 60_000);

  it('shows the archived window and restores in place to a time between two writes', async () => {
    // KubeDB restarts the running server with archiving on.
    await sqlWhenUp('SHOW archive_mode', 'archive_mode on after the restart', (v) => v === 'on');
    // The window opens with the first base backup: the writes to recover come after it.
    await waitFor(
      () =>
        cluster.state
          .list('storage.kubestash.com/v1alpha1', 'Snapshot', {
            namespace: source.namespace,
            labels: { 'kubestash.com/repo-name': 'orders-full' },
          })
          .some((s) => (s.status as { phase?: string } | undefined)?.phase === 'Succeeded'),
      'the first full backup of the archiver',
      60_000,
    );
    await sql("CREATE TABLE marks (id serial PRIMARY KEY, label text); INSERT INTO marks (label) VALUES ('t1')"); // prettier-ignore
    await switchAndWaitArchived();
    await sql("INSERT INTO marks (label) VALUES ('t2')");
    const between = await nowInDb();
    await sql("INSERT INTO marks (label) VALUES ('t3')");
    await switchAndWaitArchived();

    const url = `/api/v1/databases/${source.id}/recovery`;
    const view = await waitFor(
      async () => {
        const body = (await t.request<RecoveryBody>('GET', url)).body;
        const window = body.recoverableWindow;
        return window?.source === 'archiver' && window.to > between ? body : null;
      },
      'the recoverable window from the WAL logStats to cover t3',
      60_000,
    );
    const window = view.recoverableWindow!;
    expect(Date.parse(window.from)).toBeLessThan(Date.parse(between));
    const shown = await t.request<BackupPolicyResponse>(
      'GET',
      `/api/v1/databases/${source.id}/backup-policy`,
    );
    expect(shown.body.recoverableWindow?.from).toBe(window.from);
    expect(shown.body.recoverableWindow!.to >= window.to).toBe(true);

    const late = new Date(Date.parse(window.to) + 3600_000).toISOString();
    const outside = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      pitr: { targetTime: late },
      target: { inPlace: true, replace: true },
    });
    expect(outside.status, outside.text).toBe(422);
    expect(outside.text).toContain(`outside the recoverable window of orders: ${window.from} ..`);

    const preview = await t.request<{ manifests: KubeObject[] }>(
      'POST',
      `/api/v1/databases/${source.id}/restore?dryRun=true`,
      { pitr: { targetTime: between }, target: { newName: 'orders-then' } },
    );
    expect(preview.status, preview.text).toBe(200);
    const planned = preview.body.manifests.find((m) => m.kind === 'RestoreSession');
    expect(planned?.spec).toMatchObject({
      target: { name: 'orders-then' },
      dataSource: { repository: 'orders-full', pitr: { targetTime: between } },
    });

    const started = await t.request<RestoreStartedResponse>(
      'POST',
      `/api/v1/databases/${source.id}/restore`,
      { pitr: { targetTime: between }, target: { inPlace: true, replace: true } },
    );
    expect(started.status, started.text).toBe(202);
    const op = await operationDone(started.body.operation.id);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    const sessions = cluster.state.list(CORE, 'RestoreSession', { namespace: source.namespace });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.spec).toMatchObject({
      dataSource: { repository: 'orders-full', pitr: { targetTime: between } },
    });
    const marks = await sqlWhenUp(
      "SELECT string_agg(label, ',' ORDER BY id) FROM marks",
      'the restored server answering',
      () => true,
    );
    expect(marks).toBe('t1,t2');
  }, 150_000);

  it('removes the archiver and spec.archiver cleanly for pitr: false', async () => {
    const put = await t.request<BackupPolicyResponse>(
      'PUT',
      `/api/v1/databases/${source.id}/backup-policy`,
      policy(false),
    );
    expect(put.status, put.text).toBe(200);
    expect(put.body.pitr).toBe(false);
    expect(
      cluster.state.get(ARCHIVER_API, 'PostgresArchiver', source.namespace, 'orders-archiver'),
    ).toBeUndefined();
    expect(live()?.spec).not.toHaveProperty('archiver');
    expect(live()?.spec).toMatchObject({ version: '15.5' });
    const database = (await t.request<Database>('GET', `/api/v1/databases/${source.id}`)).body;
    expect(database.drift.filter((d) => d.path.includes('archiver'))).toEqual([]);
  }, 30_000);
});
