/**
 * Which PostgreSQL major runs an instance. Debian installs each major under
 * `/usr/lib/postgresql/<major>/bin`; an instance gets the major of its `spec.version` when the
 * machine has it, otherwise the newest installed one. A data directory that already exists keeps
 * the major that created it (its `PG_VERSION` file): another major cannot open it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian puts the PostgreSQL majors. */
export const PG_ROOT = '/usr/lib/postgresql';

/** One installed major and the folder of its programs. */
export interface PostgresInstall {
  major: number;
  binDir: string;
}

/** The majors under `root` that have a `bin/postgres`, newest first. */
export function installedPostgres(root: string = PG_ROOT): PostgresInstall[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry) && existsSync(join(root, entry, 'bin', 'postgres')))
    .map((entry) => ({ major: Number(entry), binDir: join(root, entry, 'bin') }))
    .sort((a, b) => b.major - a.major);
}

/** The leading major of a KubeDB version string (`16.4`, `15.5-bookworm`), if it has one. */
export function majorOf(version: string): number | undefined {
  const match = /^(\d+)(?:\.|-|$)/.exec(version.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * The install for `version`: the same major when installed, else the newest; undefined when no
 * major is installed. `dataDir`, when it holds a `PG_VERSION`, pins the major that created it.
 */
export function choosePostgres(
  version: string,
  installs: PostgresInstall[],
  dataDir?: string,
): PostgresInstall | undefined {
  if (dataDir) {
    let created: number | undefined;
    try {
      created = majorOf(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8'));
    } catch {
      created = undefined;
    }
    const same = installs.find((i) => i.major === created);
    if (same) return same;
  }
  const wanted = majorOf(version);
  return installs.find((i) => i.major === wanted) ?? installs[0];
}
