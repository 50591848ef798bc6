/**
 * The shapes the backup services answer, which are the wire types of the Backups routes
 * (engine/api/contracts-backup.ts re-exports them; services may not import engine/api).
 */
/** A backup storage as the API shows it: never its keys. */
export interface BackupStorageResponse {
  id: string;
  name: string;
  type: 's3';
  bucket: string;
  endpoint: string;
  region: string;
  prefix: string;
  forcePathStyle: boolean;
  /** The storage's default retention, used by policies that give none. */
  retentionDays: number | null;
  /** The access key id's last four characters, so an admin can tell keys apart; never the secret. */
  accessKeyIdHint: string;
  /** Clusters the storage has been materialised on (KubeStash BackupStorage + Secret). */
  providerIds: string[];
  /** Databases whose policy uses it (a DELETE while this is not empty is a 409 naming them). */
  usedBy: { databaseId: string; name: string }[];
  createdAt: string;
  updatedAt: string;
}

/** One check of `POST /backup-storages/:id/test`. */
export interface StorageCheck {
  name: 'reach' | 'credentials' | 'bucket' | 'write' | 'read' | 'delete';
  ok: boolean;
  message: string;
}

/** `POST /api/v1/backup-storages/:id/test`. */
export interface StorageTestResponse {
  ok: boolean;
  checks: StorageCheck[];
}

/** Retention as restic/KubeStash take it; or `retentionDays` alone. */
export interface BackupRetention {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

/** `GET/PUT /api/v1/databases/:id/backup-policy`. */
export interface BackupPolicyResponse {
  databaseId: string;
  storageId: string;
  schedule: string;
  retentionDays?: number;
  retention?: BackupRetention;
  pitr: boolean;
  paused: boolean;
  /** The next scheduled run (from the cron schedule), null while paused. */
  nextRunAt: string | null;
  /** Age of the newest restorable point in seconds; null when there is none yet. */
  rpoSeconds: number | null;
  /** The last restore's duration in seconds; null when never restored. */
  rtoSeconds: number | null;
  /** The seed's objectives (RPO < 1 h, RTO < 4 h) and whether the database breaches them now. */
  objectives: { rpoSeconds: number; rtoSeconds: number; breached: ('rpo' | 'rto')[] };
  /** With PITR: the earliest and latest restorable times. */
  recoverableWindow?: { from: string; to: string };
}

/** One backup: a BackupSession with its snapshot. */
export interface BackupItem {
  id: string;
  startedAt: string | null;
  finishedAt: string | null;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Invalid' | 'Unknown';
  /** As KubeStash reports it (e.g. "12.5 MiB"). */
  size: string | null;
  /** The Snapshot object name. */
  snapshot: string | null;
  /** True when the simulator ran no real data plane for it (a simulated snapshot holds no data). */
  simulated?: boolean;
  /** Attempts so far (a failed session is retried up to 3 times). */
  attempts?: number;
  error?: string;
}

/** `GET /api/v1/databases/:id/backups`: newest first. */
export interface BackupListResponse {
  items: BackupItem[];
}
