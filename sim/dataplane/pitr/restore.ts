/**
 * Point-in-time restore of a real PostgreSQL from its archive: the latest base backup complete
 * before the target time is restored into a staging directory beside the data directory, a
 * `restore_command` that fetches each WAL segment from the repository and `recovery_target_time`
 * (+ promote) are set, and the server is started on it. The data directory is swapped only while
 * the server is stopped, and put back when recovery fails, so a failed restore leaves the database
 * as it was. The same call restores in place and into a new (empty, freshly created) database.
 */
import { chmod, chown, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResticTarget } from '../../core/data-plane';
import { prepareWalFetch } from './archive';
import type { RunAs } from './exec';
import { psql, type PgConnection } from './pg';
import { restic } from './restic';
import {
  chooseBase,
  normaliseTargetTime,
  readIndex,
  recoverableWindow,
  type RecoverableWindow,
} from './window';

/** Stops and starts the server on its data directory (the data plane, or a test's process). */
export interface PgInstanceControl {
  stop(): Promise<void>;
  /** Starts the server; may resolve before recovery has finished. */
  start(): Promise<void>;
  /** The end of the server log, for the reason of a failed recovery. */
  logTail?(): Promise<string>;
}

export interface PitrRestoreOptions {
  target: ResticTarget;
  /** restic `--host` of the database whose archive is restored (the source). */
  host: string;
  /** RFC 3339. */
  targetTime: string;
  /** Stop before (not after) a transaction committed exactly at the target time. */
  exclusive?: boolean;
  /** The data directory of the server restored into. */
  dataDir: string;
  /** A private directory for the restore_command script and its index. */
  workDir: string;
  /** Reaches the restored server (the source's superuser credentials: a physical copy keeps roles). */
  conn: PgConnection;
  control: PgInstanceControl;
  runAs?: RunAs;
  pgBin?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PitrRestoreResult {
  baseSnapshotId: string;
  window: RecoverableWindow;
  targetTime: string;
  /** WAL files the restore could fetch. */
  walFiles: number;
  durationMs: number;
}

const RECOVERY_KEYS = [
  'restore_command',
  'recovery_target_time',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_timeline',
  'hot_standby',
];

function pgTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, -1)}+00`;
}

async function writeRecoverySettings(
  dir: string,
  restoreCommand: string,
  targetTime: string,
  exclusive: boolean,
): Promise<void> {
  const autoConf = join(dir, 'postgresql.auto.conf');
  const current = await readFile(autoConf, 'utf8').catch(() => '');
  const kept = current
    .split('\n')
    .filter((line) => !RECOVERY_KEYS.some((key) => line.trim().startsWith(key)))
    .join('\n')
    .trimEnd();
  const settings = [
    `restore_command = '${restoreCommand}'`,
    `recovery_target_time = '${pgTime(targetTime)}'`,
    `recovery_target_inclusive = ${exclusive ? 'off' : 'on'}`,
    `recovery_target_action = 'promote'`,
    `recovery_target_timeline = 'latest'`,
    // No connections until promoted: the data plane's start-up (ALTER ROLE) needs a primary.
    `hot_standby = off`,
  ];
  await writeFile(autoConf, `${kept}\n${settings.join('\n')}\n`);
  await writeFile(join(dir, 'recovery.signal'), '');
  await rm(join(dir, 'standby.signal'), { force: true });
  await rm(join(dir, 'postmaster.pid'), { force: true });
  await rm(join(dir, 'postmaster.opts'), { force: true });
}

async function chownTree(dir: string, runAs: RunAs | undefined): Promise<void> {
  if (!runAs) return;
  const { readdir } = await import('node:fs/promises');
  await chown(dir, runAs.uid, runAs.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, runAs);
    else await chown(path, runAs.uid, runAs.gid);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The reason the startup process failed, from the log since the server last started. */
function startupFailure(log: string): string | undefined {
  const lines = log.split('\n');
  const since = lines.map((l) => l.includes('starting PostgreSQL')).lastIndexOf(true);
  for (const line of lines.slice(Math.max(0, since))) {
    const fatal = /(?:FATAL|PANIC): {2}(.*)/.exec(line)?.[1];
    if (fatal && !/^the database system is /.test(fatal)) return fatal;
  }
  return undefined;
}

/** Polls until the server has left recovery (promoted), or fails with the log's reason. */
async function waitForPromotion(options: PitrRestoreOptions, deadline: number): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    try {
      const out = await psql(options.conn, 'SELECT pg_is_in_recovery()', {
        pgBin: options.pgBin,
        timeoutMs: 5000,
      });
      if (out === 'f') return;
      last = 'still in recovery';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    const tail = (await options.control.logTail?.()) ?? '';
    const fatal = startupFailure(tail);
    if (fatal) throw new Error(`recovery failed: ${fatal}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = (await options.control.logTail?.()) ?? '';
  const lastLog = tail.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`recovery did not finish in time (${last}; server log: ${lastLog})`);
}

/** Restores the archive of `options.host` to `options.targetTime` into `options.dataDir`. */
export async function restoreToTime(options: PitrRestoreOptions): Promise<PitrRestoreResult> {
  const began = Date.now();
  const targetTime = normaliseTargetTime(options.targetTime);
  const call = { runAs: options.runAs, signal: options.signal };
  const index = await readIndex(options.target, options.host, call);
  const base = chooseBase(index, targetTime);
  const window = recoverableWindow(index) as RecoverableWindow;
  const stage = `${options.dataDir}.pitr-stage`;
  const previous = `${options.dataDir}.pitr-previous`;
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { mode: 0o700 });
  if (options.runAs) await chown(stage, options.runAs.uid, options.runAs.gid);
  await restic(options.target, ['restore', base.snapshotId, '--target', stage], call);
  await chownTree(stage, options.runAs);
  await chmod(stage, 0o700);
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  const command = await prepareWalFetch(
    options.workDir,
    options.target,
    index.files,
    options.runAs,
  );
  await writeRecoverySettings(stage, command, targetTime, options.exclusive === true);
  if (options.runAs) await chownTree(stage, options.runAs);

  await options.control.stop();
  await rm(previous, { recursive: true, force: true });
  const hadData = await exists(options.dataDir);
  if (hadData) await rename(options.dataDir, previous);
  await rename(stage, options.dataDir);
  try {
    await options.control.start();
    await waitForPromotion(options, Date.now() + (options.timeoutMs ?? 10 * 60_000));
  } catch (error) {
    await options.control.stop().catch(() => undefined);
    await rm(options.dataDir, { recursive: true, force: true });
    if (hadData) {
      await rename(previous, options.dataDir);
      await options.control.start().catch(() => undefined);
    }
    throw error;
  }
  // ALTER SYSTEM cannot share a transaction: one statement per call.
  for (const key of RECOVERY_KEYS) {
    await psql(options.conn, `ALTER SYSTEM RESET ${key}`, { pgBin: options.pgBin }).catch(
      () => undefined,
    );
  }
  await psql(options.conn, 'SELECT pg_reload_conf()', { pgBin: options.pgBin }).catch(
    () => undefined,
  );
  await rm(previous, { recursive: true, force: true });
  return {
    baseSnapshotId: base.snapshotId,
    window,
    targetTime,
    walFiles: index.files.size,
    durationMs: Date.now() - began,
  };
}
