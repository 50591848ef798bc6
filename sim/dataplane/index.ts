/**
 * The real data plane: PostgreSQL (the major of `spec.version` when installed, else the newest;
 * streaming standbys too), MariaDB 10.11 (for the MariaDB and MySQL kinds) and Redis 7 processes
 * behind simulated pods, supervised by `Supervisor`. `createDataPlane()` is what
 * `startSimCluster({ dataPlane: 'real' })` uses.
 */
import { rmSync } from 'node:fs';
import type { DataPlane, RealEngine } from '../core/data-plane';
import type { EngineStarter } from './engine';
import { mariadbStarter } from './mariadb';
import { walArchiveSettings } from './pitr/hook';
import { postgresStarter, type PostgresStarterOptions } from './postgres';
import { redisStarter } from './redis';
import { Supervisor, tempWorkDir } from './supervisor';

export type { EngineStarter, InstanceContext } from './engine';
export type { PostgresStarterOptions } from './postgres';
export { Supervisor } from './supervisor';

export interface DataPlaneOptions {
  /** Folder for the instances' data; default a fresh temp folder that `close()` removes. */
  workDir?: string;
  /** Options of the PostgreSQL starter (e.g. `extraSettings` for WAL archiving). */
  postgres?: PostgresStarterOptions;
  /** Replaces an engine's starter. */
  starters?: Partial<Record<RealEngine, EngineStarter>>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  maxRestarts?: number;
  restartBackoffMs?: number;
}

/** A real data plane (the `Supervisor`), with the machine's engines. */
export function createDataPlane(options: DataPlaneOptions = {}): Supervisor & DataPlane {
  const own = options.workDir === undefined;
  const workDir = options.workDir ?? tempWorkDir();
  return new Supervisor({
    workDir,
    starters: {
      postgres: postgresStarter({ extraSettings: walArchiveSettings, ...options.postgres }),
      mariadb: mariadbStarter(),
      redis: redisStarter(),
      ...options.starters,
    },
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
    ...(options.maxRestarts !== undefined ? { maxRestarts: options.maxRestarts } : {}),
    ...(options.restartBackoffMs !== undefined
      ? { restartBackoffMs: options.restartBackoffMs }
      : {}),
    ...(own ? { onClosed: () => rmSync(workDir, { recursive: true, force: true }) } : {}),
  });
}
