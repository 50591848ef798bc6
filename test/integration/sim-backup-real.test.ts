/**
 * Real backups in the simulator, against a Ceph RADOS Gateway (a real S3) and real database
 * processes: rows written -> backup -> rows deleted -> restore in place -> rows back (checksum
 * query), the same into a new database created with `spec.init.waitForInitialRestore`, for
 * PostgreSQL, MariaDB and Redis; retention keeps exactly the policy's count in restic and in the
 * Snapshot list; wrong credentials, a missing bucket and S3 going down mid-backup fail the session
 * with a reason naming the cause, leave no snapshot, and the next session works.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { getConditions, getPath } from '../../sim/operator/util';
import {
  DB,
  ENC_PASSWORD,
  STORAGE,
  backupConfiguration,
  backupNow,
  createDatabase,
  finishedSession,
  readyDatabase,
  resticOf,
  restoreLatest,
  retention,
  secret,
  sql,
  storage,
  type Kind,
} from '../helpers/backup-cluster';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { databaseManifest } from '../../sim/dataplane/test-support';
import { S3Relay } from '../helpers/backup-s3';
import {
  createTestBucket,
  s3Client,
  s3ForTests,
  type TestBucket,
  type TestS3,
} from '../helpers/s3';

const NS = 'backups';
let BUCKET = '';
const MISSING = `not-created-${Date.now().toString(36)}`;
let bucket: TestBucket | undefined;
let s3: TestS3;
let relay: S3Relay;
let cluster: SimCluster;
let workDir: string;

const WRITE: Record<Kind, string> = {
  Postgres:
    'CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 5000) g;',
  MariaDB:
    'CREATE DATABASE shop; CREATE TABLE shop.items (id int PRIMARY KEY, v text); INSERT INTO shop.items SELECT seq, MD5(seq) FROM shop.seq_1_to_5000;',
  Redis: `MSET ${Array.from({ length: 300 }, (_, i) => `key:${i} v-${i * 13}`).join(' ')}`,
};
const DELETE: Record<Kind, string> = {
  Postgres: 'DELETE FROM items WHERE id % 3 = 0;',
  MariaDB: 'DELETE FROM shop.items WHERE id % 3 = 0;',
  Redis: `DEL ${Array.from({ length: 100 }, (_, i) => `key:${i * 3}`).join(' ')}`,
};
const CHECKSUM: Record<Kind, string> = {
  Postgres: "SELECT count(*) || ':' || md5(string_agg(id || '=' || v, ',' ORDER BY id)) FROM items",
  MariaDB:
    "SELECT CONCAT(COUNT(*), ':', MD5(GROUP_CONCAT(id, '=', v ORDER BY id SEPARATOR ','))) FROM shop.items",
  Redis: `MGET ${Array.from({ length: 300 }, (_, i) => `key:${i}`).join(' ')}`,
};

async function checksum(kind: Kind, db: string): Promise<string> {
  if (kind === 'MariaDB')
    await sql(cluster, NS, kind, db, 'SET GLOBAL group_concat_max_len = 10000000');
  return sql(cluster, NS, kind, db, CHECKSUM[kind]);
}

function condition(obj: KubeObject | undefined, type: string): Record<string, unknown> | undefined {
  if (!obj) return undefined;
  return getConditions(obj).find((c) => c.type === type) as Record<string, unknown> | undefined;
}

/** "12.345 KiB" (formatBytes) back to bytes. */
function sizeInBytes(size: unknown): number {
  const match = /^([0-9.]+) (B|KiB|MiB|GiB)$/.exec(String(size));
  if (!match) throw new Error(`not a size: ${String(size)}`);
  return Number(match[1]) * 1024 ** ['B', 'KiB', 'MiB', 'GiB'].indexOf(match[2]!);
}

function snapshotsOfRepo(repo: string): KubeObject[] {
  return cluster.state.list(STORAGE, 'Snapshot', {
    namespace: NS,
    labels: { 'kubestash.com/repo-name': repo },
  });
}

beforeAll(async () => {
  s3 = s3ForTests();
  bucket = await createTestBucket('kubedb-backups');
  BUCKET = bucket.name;
  relay = new S3Relay(s3.endpoint);
  await relay.open();
  workDir = mkdtempSync(join(tmpdir(), 'sim-backup-real-'));
  cluster = await startSimCluster({ speed: 20, dataPlane: 'real', dataPlaneDir: workDir });
  const state = cluster.state;
  state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const keys = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  state.create(secret(NS, 's3-keys', keys));
  state.create(
    secret(NS, 's3-wrong', { ...keys, AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-123' }),
  );
  state.create(secret(NS, 'restic-enc', { RESTIC_PASSWORD: ENC_PASSWORD }));
  state.create(storage(NS, 's3', s3.endpoint, BUCKET, 's3-keys'));
  state.create(storage(NS, 's3-wrong', s3.endpoint, BUCKET, 's3-wrong'));
  state.create(storage(NS, 's3-nobucket', s3.endpoint, MISSING, 's3-keys'));
  state.create(storage(NS, 's3-relay', relay.endpoint, BUCKET, 's3-keys'));
  state.create(retention(NS, 'keep-2', 2));
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  await relay?.cut();
  await bucket?.cleanup().catch(() => undefined);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

const keys = (): { accessKeyId: string; secretAccessKey: string } => ({
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
});

describe.each(['Postgres', 'MariaDB', 'Redis'] as Kind[])('%s: backup and restore', (kind) => {
  const db = `${kind.toLowerCase()}-src`;
  const repo = `${db}-repo`;

  it('backs up into S3, restores in place and into a new database', async () => {
    const started = Date.now();
    createDatabase(cluster, NS, kind, db);
    await readyDatabase(cluster, NS, kind, db);
    await sql(cluster, NS, kind, db, WRITE[kind]);
    const before = await checksum(kind, db);
    expect(before.length).toBeGreaterThan(20);

    cluster.state.create(backupConfiguration(NS, `${db}-bc`, kind, db, 's3', repo));
    const session = await finishedSession(cluster, NS, `${db}-bc`, started);
    expect(condition(session, 'SnapshotsEnsured')?.message).toBe(
      'Snapshots have been ensured successfully',
    );
    expect(getPath(session, ['status', 'phase'])).toBe('Succeeded');
    const [snap] = snapshotsOfRepo(repo);
    const id = String(getPath(snap, ['spec', 'snapshotID']));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(getPath(snap, ['status', 'integrity'])).toBe(true);
    expect(getPath(snap, ['status', 'phase'])).toBe('Succeeded');
    expect(condition(snap, 'SimulatedBackup')).toBeUndefined();
    expect(snap?.metadata.annotations?.['sim.kubedb.dev/simulated-backup']).toBeUndefined();
    const restic = resticOf(s3.endpoint, keys(), BUCKET, repo);
    const inS3 = await restic.snapshots();
    expect(inS3.map((s) => s.id)).toEqual([id]);
    // status.size is the dump's size: what restic gives back from S3 (formatBytes keeps 3 decimals).
    const file = String(getPath(snap, ['status', 'components', 'dump', 'path'])).slice(1);
    const { bytes } = await restic.dumpTo(id, file, undefined);
    expect(bytes).toBeGreaterThan(kind === 'Redis' ? 1_000 : 50_000);
    expect(Math.abs(sizeInBytes(getPath(snap, ['status', 'size'])) - bytes) / bytes).toBeLessThan(
      0.005,
    );

    await sql(cluster, NS, kind, db, DELETE[kind]);
    expect(await checksum(kind, db)).not.toBe(before);
    const inPlace = await restoreLatest(cluster, NS, kind, db, repo);
    expect(getPath(inPlace, ['status', 'phase']), JSON.stringify(inPlace.status)).toBe('Succeeded');
    await readyDatabase(cluster, NS, kind, db);
    expect(await checksum(kind, db)).toBe(before);

    const copy = `${kind.toLowerCase()}-copy`;
    createDatabase(cluster, NS, kind, copy, true);
    const intoNew = await restoreLatest(cluster, NS, kind, copy, repo);
    expect(getPath(intoNew, ['status', 'phase']), JSON.stringify(intoNew.status)).toBe('Succeeded');
    await readyDatabase(cluster, NS, kind, copy);
    expect(await checksum(kind, copy)).toBe(before);
    expect(getPath(cluster.state.get(DB, kind, NS, copy), ['spec', 'init', 'initialized'])).toBe(
      true,
    );
  }, 400_000);
});

describe('a simulated database on the real data plane', () => {
  it('a MongoDB gets a Succeeded Snapshot marked simulated, and nothing in S3', async () => {
    const started = Date.now();
    cluster.state.create(databaseManifest('MongoDB', NS, 'mongo-sim'));
    await readyDatabase(cluster, NS, 'MongoDB' as Kind, 'mongo-sim');
    cluster.state.create(
      backupConfiguration(NS, 'mongo-bc', 'MongoDB' as Kind, 'mongo-sim', 's3', 'mongo-repo'),
    );
    const session = await finishedSession(cluster, NS, 'mongo-bc', started);
    expect(getPath(session, ['status', 'phase']), JSON.stringify(session.status)).toBe('Succeeded');
    const [snap, ...more] = snapshotsOfRepo('mongo-repo');
    expect(more).toEqual([]);
    expect(getPath(snap, ['status', 'phase'])).toBe('Succeeded');
    expect(snap?.metadata.annotations?.['sim.kubedb.dev/simulated-backup']).toBe('true');
    expect(condition(snap, 'SimulatedBackup')).toMatchObject({
      status: 'True',
      reason: 'SimulatedDatabase',
    });
    expect(condition(snap, 'IntegrityVerified')).toBeUndefined();
    const listed = await s3Client().send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sim/mongo-repo' }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 120_000);
});

describe('retention', () => {
  it('keeps exactly the policy count in S3 and in the Snapshot list', async () => {
    const repo = 'postgres-src-repo';
    for (let i = 0; i < 3; i++)
      expect(getPath(await backupNow(cluster, NS, 'postgres-src-bc'), ['status', 'phase'])).toBe(
        'Succeeded',
      );
    const inS3 = (await resticOf(s3.endpoint, keys(), BUCKET, repo).snapshots()).map((s) => s.id);
    const listed = snapshotsOfRepo(repo)
      .filter((s) => getPath(s, ['status', 'phase']) === 'Succeeded')
      .map((s) => String(getPath(s, ['spec', 'snapshotID'])));
    expect(inS3).toHaveLength(2);
    expect(listed.sort()).toEqual([...inS3].sort());
  }, 300_000);
});

describe('failures', () => {
  beforeAll(async () => {
    createDatabase(cluster, NS, 'Postgres', 'pg-fail');
    await readyDatabase(cluster, NS, 'Postgres', 'pg-fail');
    await sql(cluster, NS, 'Postgres', 'pg-fail', WRITE.Postgres);
  }, 120_000);

  it('wrong S3 credentials: Failed naming the cause, no secret, next session works', async () => {
    const started = Date.now();
    cluster.state.create(
      backupConfiguration(NS, 'pg-wrong', 'Postgres', 'pg-fail', 's3-wrong', 'pg-wrong-repo'),
    );
    const session = await finishedSession(cluster, NS, 'pg-wrong', started);
    expect(getPath(session, ['status', 'phase'])).toBe('Failed');
    const c = condition(session, 'SnapshotsEnsured');
    expect(c?.reason).toBe('WrongCredentials');
    expect(String(c?.message)).toMatch(/rejected the access key or secret key/);
    expect(
      JSON.stringify(cluster.state.list(STORAGE, 'Snapshot', { namespace: NS })),
    ).not.toContain('not-the-secret-key-123');
    expect(JSON.stringify(session)).not.toContain(s3.secretAccessKey);
    expect(snapshotsOfRepo('pg-wrong-repo').map((s) => getPath(s, ['status', 'phase']))).toEqual([
      'Failed',
    ]);
    cluster.state.patch('v1', 'Secret', NS, 's3-wrong', {
      stringData: { AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
    });
    expect(getPath(await backupNow(cluster, NS, 'pg-wrong'), ['status', 'phase'])).toBe(
      'Succeeded',
    );
  }, 300_000);

  it('missing bucket: Failed naming the bucket, next session works once it exists', async () => {
    const started = Date.now();
    cluster.state.create(
      backupConfiguration(
        NS,
        'pg-nobucket',
        'Postgres',
        'postgres-src',
        's3-nobucket',
        'pg-nb-repo',
      ),
    );
    const session = await finishedSession(cluster, NS, 'pg-nobucket', started);
    expect(condition(session, 'SnapshotsEnsured')?.reason, JSON.stringify(session.status)).toBe(
      'BucketNotFound',
    );
    expect(getPath(session, ['status', 'phase'])).toBe('Failed');
    expect(String(condition(session, 'SnapshotsEnsured')?.message)).toContain(MISSING);
    expect(snapshotsOfRepo('pg-nb-repo').map((s) => getPath(s, ['status', 'phase']))).toEqual([
      'Failed',
    ]);
    await s3Client().send(new CreateBucketCommand({ Bucket: MISSING }));
    expect(getPath(await backupNow(cluster, NS, 'pg-nobucket'), ['status', 'phase'])).toBe(
      'Succeeded',
    );
  }, 300_000);

  it('S3 down mid-backup: Failed, no snapshot of it in S3, next session works', async () => {
    const started = Date.now();
    createDatabase(cluster, NS, 'Postgres', 'pg-big');
    await readyDatabase(cluster, NS, 'Postgres', 'pg-big');
    await sql(
      cluster,
      NS,
      'Postgres',
      'pg-big',
      'CREATE TABLE blob AS SELECT g AS id, md5(g::text) || repeat(md5((g * 7)::text), 6) AS v FROM generate_series(1, 200000) g',
    );
    cluster.state.create(
      backupConfiguration(NS, 'pg-relay', 'Postgres', 'pg-big', 's3-relay', 'pg-relay-repo'),
    );
    expect(
      getPath(await finishedSession(cluster, NS, 'pg-relay', started), ['status', 'phase']),
    ).toBe('Succeeded');
    const restic = resticOf(s3.endpoint, keys(), BUCKET, 'pg-relay-repo');
    const kept = (await restic.snapshots()).map((s) => s.id);
    // New data, so that the next backup has megabytes to upload (restic deduplicates the rest).
    await sql(
      cluster,
      NS,
      'Postgres',
      'pg-big',
      'INSERT INTO blob SELECT g, md5(random()::text) || repeat(md5(random()::text), 6) FROM generate_series(200001, 400000) g',
    );
    const pending = backupNow(cluster, NS, 'pg-relay');
    relay.uploaded = 0;
    const { waitFor } = await import('../../sim/operator/test-support');
    await waitFor(() => relay.uploaded > 2 * 2 ** 20, 'the backup uploading', 120_000, 20);
    await relay.cut();
    const failed = await pending;
    expect(getPath(failed, ['status', 'phase'])).toBe('Failed');
    expect(condition(failed, 'SnapshotsEnsured')?.reason).toBe('StorageUnreachable');
    const failedSnap = (getPath(failed, ['status', 'snapshots']) as { name: string }[])[0]!.name;
    expect(
      getPath(cluster.state.get(STORAGE, 'Snapshot', NS, failedSnap), ['status', 'phase']),
    ).toBe('Failed');
    expect((await restic.snapshots()).map((s) => s.id)).toEqual(kept);
    await relay.open();
    expect(getPath(await backupNow(cluster, NS, 'pg-relay'), ['status', 'phase'])).toBe(
      'Succeeded',
    );
    expect(await restic.snapshots()).toHaveLength(kept.length + 1);
    expect(await restic.check()).toBe(true);
  }, 400_000);
});
