/**
 * Wire types of the Backups part of the HTTP API (API.md "Backups"): storages, policies, backups,
 * restores, drills and the backup estate. Re-exported by `contracts.ts`; types only. The shapes the
 * backup services answer live once, in engine/domain/backup-views.ts (services may not import
 * engine/api); the rest are here.
 */
import type { Database, Operation } from '../domain';

export type {
  BackupStorageResponse,
  StorageCheck,
  StorageTestResponse,
  BackupRetention,
  BackupPolicyResponse,
  BackupItem,
  BackupListResponse,
} from '../domain/backup-views';

/** `POST /api/v1/databases/:id/backups`. */
export interface BackupStartedResponse {
  operation: Operation;
}

/** `POST /api/v1/databases/:id/restore`. */
export interface RestoreStartedResponse {
  operation: Operation;
  /** The new database, when restoring into one. */
  database?: Database;
}

/** One run of a restore drill. */
export interface DrillRun {
  startedAt: string;
  finishedAt: string | null;
  passed: boolean | null;
  rtoSeconds: number | null;
  /** What was checked and what it found: the row counts, the verification's result or error. */
  message: string;
  databaseId?: string;
  scratchDatabaseId?: string;
}

/** `POST/GET /api/v1/restore-drills[/:id]`. */
export interface RestoreDrillResponse {
  id: string;
  databaseId?: string;
  project?: string;
  schedule: string;
  verify?: { sql?: string; command?: string };
  /** The next scheduled run (UTC), recorded by the drill scheduler. */
  nextRunAt: string | null;
  /** When the run in progress started; null when none runs. */
  runningSince?: string | null;
  runs: DrillRun[];
  createdAt: string;
}

/** One object of the backup estate (KubeStash objects on every cluster). */
export interface EstateObject {
  providerId: string;
  namespace: string;
  kind: 'BackupStorage' | 'BackupConfiguration' | 'Repository' | 'Snapshot';
  name: string;
  /** The database it protects, when known (managed by the engine, or found by its target). */
  databaseId?: string;
  /** Whether the engine created it. */
  managed: boolean;
  /** Why it is an orphan, when it is one. */
  orphan?: string;
}

/** `GET /api/v1/backup-estate`. */
export interface BackupEstateResponse {
  items: EstateObject[];
  /** Databases with no backup, or whose newest backup is older than their schedule allows. */
  unprotected: {
    databaseId: string;
    name: string;
    /** `unconfigured` (no policy), `never-succeeded`, or `overdue` (older than the schedule allows). */
    state: 'unconfigured' | 'never-succeeded' | 'overdue';
    reason: string;
    newestBackupAt?: string;
  }[];
  /**
   * Clusters whose KubeStash objects could not be listed, with why: their objects and databases are
   * in neither list above, because nothing is known of them.
   */
  unreadable: { providerId: string; reason: string }[];
}

/** `POST /api/v1/backup-estate/cleanup[?dryRun=true]`: the orphan that was (or would be) deleted. */
export interface BackupCleanupResponse {
  deleted: EstateObject;
  dryRun: boolean;
}
