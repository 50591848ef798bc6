/**
 * Continuous WAL archiving of a real PostgreSQL to the archiver's restic repository.
 *
 * Postgres runs `archive_command` once per finished segment, as its own OS user, and keeps the
 * segment in pg_wal until the command exits 0 — so an S3 outage delays archiving but loses nothing,
 * and a retry after a partial upload only adds a duplicate snapshot. `wal-push` stores each segment
 * as one restic snapshot (`--stdin`) tagged `wal`, `seg=<file name>` and `ct=<time of the last
 * commit in the segment>` (read with pg_waldump), so the recoverable window can be computed from
 * the repository alone. Credentials live in an env file (mode 0600) outside the data directory, so
 * neither postgresql.conf, the server log nor a base backup carries them.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResticTarget } from '../../core/data-plane';
import type { RunAs } from './exec';
import { RESTIC, resticEnv } from './restic';

export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

export interface WalArchiveOptions {
  target: ResticTarget;
  /** A private directory for the scripts and the env file (outside the data directory). */
  dir: string;
  /** restic's `--host` for this database's snapshots (e.g. `demo.orders`). */
  host: string;
  /** The OS user the server runs as, when the simulator runs as root. */
  runAs?: RunAs;
  pgBin?: string;
  /** Seconds after which a segment with any WAL in it is switched and archived (RPO bound). */
  archiveTimeoutSeconds?: number;
}

function shellQuote(value: string): string {
  return `'${value.split("'").join(`'\\''`)}'`;
}

function writeOwned(path: string, text: string, mode: number, runAs?: RunAs): void {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  if (runAs) chownSync(path, runAs.uid, runAs.gid);
}

/** Writes the env file a script sources (restic's repository and credentials). */
export function writeEnvFile(dir: string, target: ResticTarget, runAs?: RunAs): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const lines = Object.entries(resticEnv(target)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  const path = join(dir, 'restic.env');
  writeOwned(path, `${lines.join('\n')}\n`, 0o600, runAs);
  return path;
}

function pushScript(options: WalArchiveOptions, envFile: string): string {
  const pgBin = options.pgBin ?? DEFAULT_PG_BIN;
  return `#!/bin/sh
# archive_command: wal-push <path> <file name>  (written by the simulator's PITR archiver)
set -eu
export PATH="/usr/local/bin:/usr/bin:/bin:$PATH"
. ${shellQuote(envFile)}
tags="wal,seg=$2"
case "$2" in
  *.history|*.backup|*.partial) tags="$tags,kind=other" ;;
  *)
    ct=$(TZ=UTC ${shellQuote(join(pgBin, 'pg_waldump'))} --rmgr=Transaction "$1" 2>/dev/null \\
      | sed -n 's/.*COMMIT \\([0-9-]*\\) \\([0-9:.]*\\) UTC.*/\\1T\\2Z/p' | tail -n 1 || true)
    if [ -n "$ct" ]; then tags="$tags,ct=$ct"; fi ;;
esac
# restic 0.14 has no --retry-lock: a repository busy with another writer's lock (or an S3 hiccup)
# is retried here a bounded number of times, so Postgres does not fall back to its 60 s wait.
for delay in 1 2 4 8 0; do
  if ${RESTIC} backup --no-cache --quiet --stdin --stdin-filename "$2" --host ${shellQuote(options.host)} --tag "$tags" < "$1"; then
    exit 0
  fi
  [ "$delay" = 0 ] && exit 1
  sleep "$delay"
done
`;
}

/**
 * Prepares `dir` and returns the server settings that turn archiving on. The data-plane's
 * postgres starter passes them on the command line (`-c key=value`), not in a file of the data
 * directory, so a base backup restored elsewhere does not archive into this database's repository.
 */
export function prepareWalArchiveSync(options: WalArchiveOptions): Record<string, string> {
  const envFile = writeEnvFile(options.dir, options.target, options.runAs);
  const script = join(options.dir, 'wal-push');
  writeOwned(script, pushScript(options, envFile), 0o700, options.runAs);
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: `${script} %p %f`,
    archive_timeout: `${options.archiveTimeoutSeconds ?? 60}s`,
  };
}

/** `prepareWalArchiveSync` for async callers. */
export async function prepareWalArchive(
  options: WalArchiveOptions,
): Promise<Record<string, string>> {
  return prepareWalArchiveSync(options);
}

function fetchScript(envFile: string, indexFile: string): string {
  return `#!/bin/sh
# restore_command: wal-fetch <file name> <path>  (written by the simulator's PITR restore)
set -eu
export PATH="/usr/local/bin:/usr/bin:/bin:$PATH"
# grep, not awk: awk compares the all-digit segment names as numbers.
id=$(grep -m 1 "^$1 " ${shellQuote(indexFile)} | cut -d ' ' -f 2 || true)
[ -n "$id" ] || exit 1
. ${shellQuote(envFile)}
${RESTIC} dump --no-cache "$id" "/$1" > "$2.part"
mv "$2.part" "$2"
`;
}

/**
 * Writes the restore_command script for a recovery: segments are looked up in `index` (file name
 * -> restic snapshot id, listed once before the server starts), so a segment that is not in the
 * archive (the end of WAL, a timeline history that never existed) answers "missing" at once.
 */
export async function prepareWalFetch(
  dir: string,
  target: ResticTarget,
  index: ReadonlyMap<string, string>,
  runAs?: RunAs,
): Promise<string> {
  const envFile = writeEnvFile(dir, target, runAs);
  const indexFile = join(dir, 'wal-index');
  const lines = [...index].map(([file, id]) => `${file} ${id}`);
  writeOwned(indexFile, `${lines.join('\n')}\n`, 0o600, runAs);
  const script = join(dir, 'wal-fetch');
  writeOwned(script, fetchScript(envFile, indexFile), 0o700, runAs);
  return `${script} %f %p`;
}
