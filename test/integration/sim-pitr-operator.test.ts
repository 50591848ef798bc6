/**
 * PITR through the simulated operators, on the real data plane and the Ceph S3 of the test run:
 * a Postgres with `spec.archiver.ref` archives its real server, gets a base backup recorded as a
 * Snapshot with the recoverable window, and a RestoreSession with `dataSource.pitr.targetTime`
 * restores it in place; a target outside the window fails the session with a reason naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { credentials, databaseManifest, DB_API, query } from '../../sim/dataplane/test-support';
import { phaseOf, waitFor } from '../../sim/operator/test-support';
import { getPath } from '../../sim/operator/util';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

const NS = 'pitr';
const DB = 'orders';
const STORAGE_API = 'storage.kubestash.com/v1alpha1';
const CORE_API = 'core.kubestash.com/v1alpha1';
let cluster: SimCluster;
let workDir: string;
let bucket: TestBucket;

const b64 = (value: string): string => Buffer.from(value).toString('base64');

function address(db: string): string {
  const pod = cluster.state.get('v1', 'Pod', NS, `${db}-0`);
  const value = pod?.metadata.annotations?.['sim.kubedb.dev/direct-address'];
  if (!value) throw new Error('no direct address');
  return value;
}

const sql = (statement: string, db = DB): Promise<string> =>
  query('postgres', address(db), credentials(cluster.state, NS, db), statement);

async function switchAndWaitArchived(): Promise<void> {
  const finished = await sql('SELECT pg_walfile_name(pg_switch_wal())');
  await waitFor(
    async () =>
      (await sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) >= finished,
    `segment ${finished} archived`,
    150_000,
    200,
  ).catch(async (error: unknown) => {
    // Says whether archive_command failed (and how often) or was never run.
    const stats = await sql(
      `SELECT concat_ws(' ', 'archived', archived_count, last_archived_wal, 'failed', failed_count, last_failed_wal, last_failed_time) FROM pg_stat_archiver`,
    ).catch((e: unknown) => `pg_stat_archiver unreadable: ${String(e)}`);
    throw new Error(`${String(error)}; ${stats}`);
  });
}

/** The target time of the in-place test, or a failure naming why it is missing. */
function needT2(t2: string): string {
  if (!t2) throw new Error('no t2: the in-place restore test did not get as far as writing it');
  return t2;
}

function fullSnapshot(): KubeObject | undefined {
  return cluster.state
    .list(STORAGE_API, 'Snapshot', {
      namespace: NS,
      labels: { 'kubestash.com/repo-name': `${DB}-full` },
    })
    .find((s) => getPath(s, ['status', 'phase']) === 'Succeeded');
}

function windowOf(snap: KubeObject | undefined): { start?: string; end?: string } {
  const components = (getPath(snap, ['status', 'components']) ?? {}) as Record<
    string,
    { logStats?: object }
  >;
  return components.wal?.logStats ?? {};
}

function restoreSession(name: string, targetTime: string, into = DB): KubeObject {
  return {
    apiVersion: CORE_API,
    kind: 'RestoreSession',
    metadata: { name, namespace: NS },
    spec: {
      target: { apiGroup: 'kubedb.com', kind: 'Postgres', name: into, namespace: NS },
      dataSource: { repository: `${DB}-full`, snapshot: 'latest', pitr: { targetTime } },
      addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup-restore' }] },
    },
  };
}

async function finished(name: string, ms = 180_000): Promise<KubeObject> {
  await waitFor(
    () => {
      const phase = getPath(cluster.state.get(CORE_API, 'RestoreSession', NS, name), [
        'status',
        'phase',
      ]);
      return phase === 'Succeeded' || phase === 'Failed';
    },
    `RestoreSession ${name} finished`,
    ms,
    200,
  ).catch((error: unknown) => {
    // Says where it stopped: the session's phase and conditions, and its target's conditions.
    const rs = cluster.state.get(CORE_API, 'RestoreSession', NS, name);
    const target = getPath(rs, ['spec', 'target', 'name']);
    const db = cluster.state.get(DB_API, 'Postgres', NS, String(target));
    throw new Error(
      `${String(error)}; session: ${JSON.stringify(rs?.status)}; target ${String(target)}: ${JSON.stringify(db?.status)}`,
    );
  });
  return cluster.state.get(CORE_API, 'RestoreSession', NS, name) as KubeObject;
}

beforeAll(async () => {
  const s3 = s3ForTests();
  bucket = await createTestBucket('pitr-op');
  workDir = mkdtempSync(join(tmpdir(), 'pitr-op-'));
  cluster = await startSimCluster({
    speed: 20,
    dataPlane: 'real',
    dataPlaneDir: workDir,
    crdsDir: crdsDirForTests(),
  });
  const create = (obj: KubeObject): KubeObject => cluster.state.create(obj);
  create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-creds', namespace: NS },
    data: {
      AWS_ACCESS_KEY_ID: b64(s3.accessKeyId),
      AWS_SECRET_ACCESS_KEY: b64(s3.secretAccessKey),
    },
  });
  create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'encrypt', namespace: NS },
    data: { RESTIC_PASSWORD: b64('archiver-pass-123') },
  });
  create({
    apiVersion: STORAGE_API,
    kind: 'BackupStorage',
    metadata: { name: 's3', namespace: NS },
    spec: {
      storage: {
        provider: 's3',
        s3: {
          endpoint: s3.endpoint,
          bucket: bucket.name,
          region: s3.region,
          prefix: 'kubedb',
          secretName: 's3-creds',
        },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'WipeOut',
    },
  });
  create({
    apiVersion: 'archiver.kubedb.com/v1alpha1',
    kind: 'PostgresArchiver',
    metadata: { name: 'pg-archiver', namespace: NS },
    spec: {
      databases: { namespaces: { from: 'Same' } },
      backupStorage: { ref: { name: 's3', namespace: NS }, subDir: 'pitr' },
      encryptionSecret: { name: 'encrypt', namespace: NS },
      fullBackup: { driver: 'Restic', scheduler: { schedule: '0 */6 * * *' } },
      deletionPolicy: 'WipeOut',
    },
  });
  const manifest = databaseManifest('Postgres', NS, DB);
  create({
    ...manifest,
    spec: {
      ...(manifest.spec as object),
      archiver: { ref: { name: 'pg-archiver', namespace: NS } },
    },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await bucket?.cleanup();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('PITR through the operators (real Postgres, Ceph S3)', () => {
  let t2 = '';

  it('archives a Postgres with spec.archiver.ref and records a base backup with its window', async () => {
    await waitFor(
      () => phaseOf(cluster.state.get(DB_API, 'Postgres', NS, DB)) === 'Ready',
      'Postgres Ready',
      90_000,
      100,
    );
    expect(await sql('SHOW archive_mode')).toBe('on');
    await sql('CREATE TABLE marks (id serial PRIMARY KEY, label text)');
    await waitFor(() => !!fullSnapshot(), 'a full-backup Snapshot', 90_000, 200);
    expect(getPath(fullSnapshot(), ['spec', 'type'])).toBe('FullBackup');
    const archiver = cluster.state.get(
      'archiver.kubedb.com/v1alpha1',
      'PostgresArchiver',
      NS,
      'pg-archiver',
    );
    expect(getPath(archiver, ['status', 'databaseRefs'])).toEqual([{ name: DB, namespace: NS }]);
  }, 200_000);

  it('restores in place to a time between t2 and t3: t1 and t2 present, t3 absent', async () => {
    await sql("INSERT INTO marks (label) VALUES ('t1')");
    await switchAndWaitArchived();
    await sql("INSERT INTO marks (label) VALUES ('t2')");
    t2 = await sql(
      `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    );
    await sql("INSERT INTO marks (label) VALUES ('t3')");
    await switchAndWaitArchived();
    await waitFor(
      () => (windowOf(fullSnapshot()).end ?? '') > t2,
      'the window in the Snapshot reaches past t2',
      150_000,
      200,
    );
    const began = Date.now();
    cluster.state.create(restoreSession('to-t2', t2));
    const rs = await finished('to-t2');
    expect(
      getPath(rs, ['status', 'phase']),
      JSON.stringify(getPath(rs, ['status', 'conditions'])),
    ).toBe('Succeeded');
    console.info(`PITR RestoreSession in place: ${Date.now() - began} ms`);
    await waitFor(
      () => phaseOf(cluster.state.get(DB_API, 'Postgres', NS, DB)) === 'Ready',
      'Postgres Ready again',
      60_000,
      100,
    );
    expect(await sql("SELECT string_agg(label, ',' ORDER BY id) FROM marks")).toBe('t1,t2');
  }, 600_000);

  it('restores the archive into a new database created with waitForInitialRestore', async () => {
    const copy = `${DB}-copy`;
    const manifest = databaseManifest('Postgres', NS, copy);
    cluster.state.create({
      ...manifest,
      spec: { ...(manifest.spec as object), init: { waitForInitialRestore: true } },
    });
    const began = Date.now();
    cluster.state.create(restoreSession('into-copy', needT2(t2), copy));
    // Longer than the simulator's own 5-minute bound on a PITR, so that its failure says why.
    const rs = await finished('into-copy', 330_000);
    expect(
      getPath(rs, ['status', 'phase']),
      JSON.stringify(getPath(rs, ['status', 'conditions'])),
    ).toBe('Succeeded');
    console.info(`PITR RestoreSession into a new database: ${Date.now() - began} ms`);
    await waitFor(
      () => phaseOf(cluster.state.get(DB_API, 'Postgres', NS, copy)) === 'Ready',
      'the copy Ready',
      60_000,
      100,
    );
    expect(await sql("SELECT string_agg(label, ',' ORDER BY id) FROM marks", copy)).toBe('t1,t2');
  }, 420_000);

  it('fails a RestoreSession whose target time is outside the window, naming the window', async () => {
    needT2(t2); // the window this test names exists only once the in-place test archived WAL
    cluster.state.create(restoreSession('too-late', '2999-01-01T00:00:00Z'));
    const rs = await finished('too-late');
    expect(getPath(rs, ['status', 'phase'])).toBe('Failed');
    const conditions = (getPath(rs, ['status', 'conditions']) ?? []) as {
      type: string;
      message?: string;
    }[];
    const completed = conditions.find((c) => c.type === 'RestoreCompleted');
    expect(completed?.message).toMatch(/outside the recoverable window \S+Z \.\. \S+Z/);
    expect(await sql('SELECT count(*) FROM marks')).toBe('2');
  }, 200_000);
});
