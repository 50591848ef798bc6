/**
 * kill -9 of the simulator during a real backup: its restic child dies with it (parent-death
 * signal), so does every database process; the orphan reaper removes the lock the killed restic
 * left in S3, and the next run works (retention's `forget --prune` needs the exclusive lock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsUnder } from '../../sim/dataplane/test-support';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { waitFor } from '../../sim/operator/test-support';
import { getPath } from '../../sim/operator/util';
import {
  ENC_PASSWORD,
  backupConfiguration,
  backupNow,
  createDatabase,
  finishedSession,
  readyDatabase,
  resticOf,
  retention,
  secret,
  storage,
} from '../helpers/backup-cluster';
import { createTestBucket, s3ForTests, type TestBucket, type TestS3 } from '../helpers/s3';

let BUCKET = '';
const REPO = 'victim-repo';
let bucket: TestBucket | undefined;
let s3: TestS3;
let dir: string;
let child: ChildProcess | undefined;
let cluster: SimCluster | undefined;

/** restic processes whose repository is this suite's bucket. */
function resticPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('restic')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`/${BUCKET}/`))
        out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** The orphan reapers whose parent is `parent` (a simulator's own reaper, while it lives). */
function reapersOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('orphan-reaper-child.mjs'))
        continue;
      const ppid = Number(
        readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1],
      );
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  s3 = s3ForTests();
  bucket = await createTestBucket('killed-backups');
  BUCKET = bucket.name;
  dir = mkdtempSync(join(tmpdir(), 'sim-backup-kill-'));
  // The data plane runs PostgreSQL as the postgres user: it must reach the data dirs below.
  chmodSync(dir, 0o755);
}, 240_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await cluster?.stop();
  await bucket?.cleanup().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('kill -9 of the simulator during a backup', () => {
  it('leaves no restic or database process, and no lock that blocks the next run', async () => {
    const simDir = join(dir, 'sim');
    // node itself (with tsx's loader) is the simulator process, so SIGKILL hits it, not a wrapper.
    child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/backup-sim-child.ts'], {
      env: {
        ...process.env,
        BK_S3_ENDPOINT: s3.endpoint,
        BK_S3_BUCKET: BUCKET,
        BK_REPO: REPO,
        BK_DIR: simDir,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
    await waitFor(
      () => output.includes('backing-up'),
      'the child simulator backing up',
      240_000,
      50,
    );
    await waitFor(() => resticPids().length > 0, 'a restic backup running', 60_000, 20);
    const restic = resticOf(s3.endpoint, s3, BUCKET, REPO);
    await waitFor(
      async () => (await restic.locks()).length > 0,
      'the lock of the running backup',
      60_000,
      100,
    );
    // The simulator's orphan reaper (other test files' reapers belong to their own workers).
    const reapers = reapersOf(child.pid!);
    expect(reapers).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.on('close', resolve));
    await waitFor(() => resticPids().length === 0, 'restic gone with the simulator', 30_000, 50);
    await waitFor(() => pidsUnder(simDir).length === 0, 'database processes gone', 30_000, 50);
    // The killed restic could not remove its lock; the simulator's orphan reaper, which outlives it
    // on purpose, unlocks once restic is gone, and then exits itself.
    await waitFor(
      async () => (await restic.locks()).length === 0,
      "the orphan reaper to remove the killed backup's lock",
      60_000,
      200,
    );
    await waitFor(() => !reapers.some(alive), 'the orphan reaper to exit', 60_000, 100);
    // Killed mid-backup: no snapshot. On a slow machine the small dump may have finished just
    // before the kill: then its one snapshot is whole.
    const leftover = await restic.snapshots();
    if (leftover.length > 0) {
      expect(leftover).toHaveLength(1);
      expect(await restic.check()).toBe(true);
    }

    cluster = await startSimCluster({
      speed: 20,
      dataPlane: 'real',
      dataPlaneDir: join(dir, 'next'),
    });
    const state = cluster.state;
    const NS = 'next';
    state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    state.create(
      secret(NS, 's3-keys', {
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      }),
    );
    state.create(secret(NS, 'restic-enc', { RESTIC_PASSWORD: ENC_PASSWORD }));
    state.create(storage(NS, 's3', s3.endpoint, BUCKET, 's3-keys'));
    state.create(retention(NS, 'keep-2', 1));
    createDatabase(cluster, NS, 'Postgres', 'victim');
    await readyDatabase(cluster, NS, 'Postgres', 'victim');
    const started = Date.now();
    state.create(backupConfiguration(NS, 'victim-bc', 'Postgres', 'victim', 's3', REPO));
    const first = await finishedSession(cluster, NS, 'victim-bc', started);
    expect(getPath(first, ['status', 'phase'])).toBe('Succeeded');
    expect(getPath(await backupNow(cluster, NS, 'victim-bc'), ['status', 'phase'])).toBe(
      'Succeeded',
    );
    // Retention (keep 1) pruned under the exclusive lock: the stale lock was removed first.
    expect(getPath(first, ['status', 'retentionPolicy', 0, 'phase'])).toBe('Applied');
    expect(await restic.snapshots()).toHaveLength(1);
    expect(await restic.locks()).toEqual([]);
  }, 600_000);
});
