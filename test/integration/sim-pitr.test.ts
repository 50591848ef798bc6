import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';
import type { ResticTarget } from '../../sim/core/data-plane';
import { prepareWalArchive } from '../../sim/dataplane/pitr/archive';
import { takeBaseBackup } from '../../sim/dataplane/pitr/base-backup';
import { psql, serverTime, type PgConnection } from '../../sim/dataplane/pitr/pg';
import { restoreToTime } from '../../sim/dataplane/pitr/restore';
import {
  createTestPostgres,
  ownedDir,
  postgresRunAs,
  type TestPostgres,
} from '../../sim/dataplane/pitr/testing';
import {
  OutsideWindowError,
  readIndex,
  recoverableWindow,
  timeOf,
} from '../../sim/dataplane/pitr/window';

const HOST = 'demo.orders';
let root = '';
let target: ResticTarget;
let bucket: TestBucket | undefined;
let source: TestPostgres;
const servers: TestPostgres[] = [];

async function sql(conn: PgConnection, text: string): Promise<string> {
  return psql(conn, text);
}

/** Switches to a new segment and waits until the finished one is archived. */
async function switchAndWaitArchived(conn: PgConnection, timeoutMs = 30_000): Promise<string> {
  const finished = await sql(conn, 'SELECT pg_walfile_name(pg_switch_wal())');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await sql(conn, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
    if (last >= finished) return finished;
    if (Date.now() > deadline) {
      const failed = await sql(conn, 'SELECT last_failed_wal FROM pg_stat_archiver');
      throw new Error(`segment ${finished} not archived (last ${last}, failed ${failed})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function rows(conn: PgConnection): Promise<string[]> {
  const out = await sql(conn, 'SELECT label FROM marks ORDER BY id');
  return out ? out.split('\n') : [];
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pitr-'));
  const runAs = await postgresRunAs();
  await ownedDir(root, runAs);
  const s3 = s3ForTests();
  bucket = await createTestBucket('pitr');
  target = {
    repository: `s3:${s3.endpoint}/${bucket.name}/archiver/demo/orders`,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    password: 'restic-pass-123',
  };
  let settings: Record<string, string> = {};
  source = await createTestPostgres({
    dir: join(root, 'source'),
    password: 'src-pass-123',
    settings: () => settings,
  });
  servers.push(source);
  settings = await prepareWalArchive({
    target,
    dir: join(root, 'source-pitr'),
    host: HOST,
    runAs,
  });
  await source.start();
  await source.ready();
}, 120_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  await bucket?.cleanup();
  if (root && !process.env.PITR_KEEP) await rm(root, { recursive: true, force: true });
});

describe('PITR of a real PostgreSQL into Ceph S3', () => {
  let t2 = '';
  let beforeBase = '';

  it('archives every finished segment and takes a base backup into the repository', async () => {
    beforeBase = await serverTime(source.conn);
    await sql(
      source.conn,
      'CREATE TABLE marks (id serial PRIMARY KEY, label text, at timestamptz)',
    );
    const base = await takeBaseBackup({
      conn: source.conn,
      target,
      host: HOST,
      workDir: root,
      runAs: source.runAs,
    });
    expect(base.snapshotId).toMatch(/^[0-9a-f]{8}$/);
    expect(timeOf(base.end)).toBeGreaterThanOrEqual(timeOf(base.start));
    expect(base.sizeBytes).toBeGreaterThan(1_000_000);
    await switchAndWaitArchived(source.conn);
    const index = await readIndex(target, HOST, { runAs: source.runAs });
    expect(index.bases.map((b) => b.snapshotId)).toEqual([base.snapshotId]);
    expect(index.segmentCount).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('keeps archiving across a restart of the server', async () => {
    await source.stop();
    await source.start();
    await source.ready();
    const before = Number(await sql(source.conn, 'SELECT archived_count FROM pg_stat_archiver'));
    await sql(source.conn, "INSERT INTO marks (label, at) VALUES ('t1', clock_timestamp())");
    const finished = await switchAndWaitArchived(source.conn);
    const after = Number(await sql(source.conn, 'SELECT archived_count FROM pg_stat_archiver'));
    expect(after).toBeGreaterThan(before);
    const index = await readIndex(target, HOST, { runAs: source.runAs });
    expect(index.files.has(finished)).toBe(true);
  }, 120_000);

  it('records the recoverable window: first base backup .. last archived commit', async () => {
    await sql(source.conn, "INSERT INTO marks (label, at) VALUES ('t2', clock_timestamp())");
    await switchAndWaitArchived(source.conn);
    t2 = await serverTime(source.conn);
    await sql(source.conn, "INSERT INTO marks (label, at) VALUES ('t3', clock_timestamp())");
    await switchAndWaitArchived(source.conn);
    const t3 = await sql(
      source.conn,
      `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM marks WHERE label = 't3'`,
    );
    const window = recoverableWindow(await readIndex(target, HOST, { runAs: source.runAs }));
    expect(window).toBeDefined();
    expect(timeOf(window!.start)).toBeGreaterThan(timeOf(beforeBase));
    expect(timeOf(window!.end)).toBeGreaterThanOrEqual(timeOf(t3));
    expect(timeOf(t2)).toBeLessThan(timeOf(t3));
  }, 120_000);

  it('restores into a new database to a time between t2 and t3: t1 and t2 present, t3 absent', async () => {
    const fresh = await createTestPostgres({ dir: join(root, 'fresh'), password: 'other-pass' });
    servers.push(fresh);
    await fresh.start();
    await fresh.ready();
    const restoredConn = { ...fresh.conn, password: source.conn.password };
    const result = await restoreToTime({
      target,
      host: HOST,
      targetTime: t2,
      dataDir: fresh.dataDir,
      workDir: join(root, 'fresh-pitr'),
      conn: restoredConn,
      control: fresh,
      runAs: fresh.runAs,
      timeoutMs: 30_000,
    });
    expect(await rows(restoredConn)).toEqual(['t1', 't2']);
    expect(await sql(restoredConn, 'SELECT pg_is_in_recovery()')).toBe('f');
    expect(result.durationMs).toBeGreaterThan(0);
    console.info(`PITR restore into a new database: ${result.durationMs} ms`);
  }, 180_000);

  it('restores in place to the same time, and archiving goes on after it', async () => {
    expect(await rows(source.conn)).toEqual(['t1', 't2', 't3']);
    const result = await restoreToTime({
      target,
      host: HOST,
      targetTime: t2,
      dataDir: source.dataDir,
      workDir: join(root, 'source-restore'),
      conn: source.conn,
      control: source,
      runAs: source.runAs,
      timeoutMs: 30_000,
    });
    expect(await rows(source.conn)).toEqual(['t1', 't2']);
    console.info(`PITR restore in place: ${result.durationMs} ms`);
    await sql(source.conn, "INSERT INTO marks (label, at) VALUES ('t4', clock_timestamp())");
    const finished = await switchAndWaitArchived(source.conn);
    expect(finished.startsWith('00000002')).toBe(true);
  }, 180_000);

  it('refuses a target time outside the recoverable window and names the window', async () => {
    const index = await readIndex(target, HOST, { runAs: source.runAs });
    const window = recoverableWindow(index)!;
    const attempt = (targetTime: string) =>
      restoreToTime({
        target,
        host: HOST,
        targetTime,
        dataDir: source.dataDir,
        workDir: join(root, 'refused'),
        conn: source.conn,
        control: source,
        runAs: source.runAs,
      });
    await expect(attempt(beforeBase)).rejects.toBeInstanceOf(OutsideWindowError);
    await expect(attempt('2999-01-01T00:00:00Z')).rejects.toThrow(
      `outside the recoverable window ${window.start} .. ${window.end}`,
    );
    await expect(attempt('yesterday')).rejects.toThrow(/targetTime must be an RFC 3339 time/);
    expect(await rows(source.conn)).toEqual(['t1', 't2', 't4']);
  }, 60_000);
});
