/**
 * A base backup of a real server into the archiver's repository: `pg_basebackup` (plain format,
 * the WAL it needs fetched into it, fast checkpoint) into a private temporary directory, then one
 * restic snapshot of that directory tagged `base`, `start=` and `end=` (the server's clock before
 * and after). `end` is the earliest time a recovery from this backup can stop at: before it the
 * copy is not yet consistent. restic deduplicates the files of successive base backups.
 */
import { mkdtemp, rm, chown, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResticTarget } from '../../core/data-plane';
import { DEFAULT_PG_BIN } from './archive';
import { runTool, type RunAs } from './exec';
import { pgEnv, serverTime, type PgConnection } from './pg';
import { ensureRepository, restic, snapshotIdOf } from './restic';

export interface BaseBackupOptions {
  conn: PgConnection;
  target: ResticTarget;
  /** restic `--host` of this database (the same as its WAL segments). */
  host: string;
  /** Where the temporary copy is made (e.g. the simulator's work dir). */
  workDir: string;
  runAs?: RunAs;
  pgBin?: string;
  signal?: AbortSignal;
}

export interface BaseBackupResult {
  /** restic's (short) snapshot id. */
  snapshotId: string;
  /** Server time when the backup started and when it was complete (ISO, UTC). */
  start: string;
  end: string;
  /** Bytes of the copy (the data directory as pg_basebackup wrote it). */
  sizeBytes: number;
  durationMs: number;
}

async function directorySize(dir: string): Promise<number> {
  const out = await runTool('du', ['-sb', dir]);
  return Number(out.split(/\s+/)[0]) || 0;
}

export async function takeBaseBackup(options: BaseBackupOptions): Promise<BaseBackupResult> {
  const began = Date.now();
  const call = { runAs: options.runAs, signal: options.signal };
  await ensureRepository(options.target, call);
  const tmp = await mkdtemp(join(options.workDir, 'pitr-base-'));
  if (options.runAs) await chown(tmp, options.runAs.uid, options.runAs.gid);
  try {
    const copy = join(tmp, 'data');
    const start = await serverTime(options.conn, { pgBin: options.pgBin });
    const { host, port, user, password } = options.conn;
    await runTool(
      join(options.pgBin ?? DEFAULT_PG_BIN, 'pg_basebackup'),
      ['-h', host, '-p', String(port), '-U', user, '-D', copy, '-Fp', '-X', 'fetch', '-c', 'fast'],
      { env: pgEnv(options.conn), secrets: [password], timeoutMs: 30 * 60_000, ...call },
    );
    const end = await serverTime(options.conn, { pgBin: options.pgBin });
    const sizeBytes = await directorySize(copy);
    const tags = ['base', `start=${start}`, `end=${end}`].join(',');
    const out = await restic(
      options.target,
      ['backup', '--json', '--host', options.host, '--tag', tags, '.'],
      { ...call, cwd: copy },
    );
    return { snapshotId: snapshotIdOf(out), start, end, sizeBytes, durationMs: Date.now() - began };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The owner of a directory, to run tools as (undefined when that is us already). */
export async function ownerOf(dir: string): Promise<RunAs | undefined> {
  const info = await stat(dir);
  if (typeof process.getuid === 'function' && process.getuid() === info.uid) return undefined;
  return { uid: info.uid, gid: info.gid };
}
