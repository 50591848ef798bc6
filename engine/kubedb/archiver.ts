/**
 * Continuous archiving for point-in-time recovery (REFERENCE `spec.archiver`): a PostgresArchiver
 * (archiver.kubedb.com/v1alpha1) per database, selecting it by its database-id label, writing base
 * backups and the WAL stream into the policy's BackupStorage. Only PostgreSQL has an archiver the
 * simulator runs (sim/dataplane/pitr); other engines are refused by name.
 */
import { ENGINE_KINDS, type DatabaseSpec, type Engine } from '../domain';
import {
  backupNames,
  backupStorageNames,
  retentionPolicyName,
  type RetentionCounts,
} from './kubestash';
import { databaseLabels } from './names';
import { DATABASE_ID_LABEL, KUBEDB_API_VERSION, type KubeObject } from './types';

export const ARCHIVER_API = 'archiver.kubedb.com/v1alpha1';

/** Engines whose archiver the engine sets up. */
export const PITR_ENGINES: readonly Engine[] = ['postgres'];

export function supportsPitr(engine: Engine): boolean {
  return PITR_ENGINES.includes(engine);
}

/** The archiver kind of an engine (PostgresArchiver, MySQLArchiver, ...). */
export function archiverKind(engine: Engine): string {
  return `${ENGINE_KINDS[engine]}Archiver`;
}

export function archiverName(database: Pick<DatabaseSpec, 'name'>): string {
  return `${database.name}-archiver`;
}

type ArchivedDatabase = Pick<
  DatabaseSpec,
  'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'
>;

/**
 * The archiver of one database: base backups on `schedule`, the WAL stream kept for the retention
 * days, into the storage the database's BackupConfiguration uses.
 */
export function buildArchiver(
  database: ArchivedDatabase,
  policy: {
    schedule: string;
    retentionDays: number;
    retention?: RetentionCounts | undefined;
    storage: { name: string };
    paused?: boolean | undefined;
  },
): KubeObject {
  const names = backupNames(database);
  return {
    apiVersion: ARCHIVER_API,
    kind: archiverKind(database.engine),
    metadata: {
      name: archiverName(database),
      namespace: database.namespace,
      labels: databaseLabels(database),
    },
    spec: {
      databases: {
        namespaces: { from: 'Same' },
        selector: { matchLabels: { [DATABASE_ID_LABEL]: database.id } },
      },
      backupStorage: {
        ref: {
          name: backupStorageNames(policy.storage).backupStorage,
          namespace: database.namespace,
        },
        subDir: `pitr/${database.name}-${database.id}`,
      },
      encryptionSecret: { name: names.encryptionSecret, namespace: database.namespace },
      retentionPolicy: {
        name: retentionPolicyName(policy.retentionDays, policy.retention),
        namespace: database.namespace,
      },
      fullBackup: {
        driver: 'Restic',
        scheduler: { schedule: policy.schedule, successfulJobsHistoryLimit: 2 },
        sessionHistoryLimit: 2,
      },
      // The CRD allows whole days, weeks, months or years only (`^[1-9][0-9]*[dwmy]$`).
      logBackup: { retentionPeriod: `${policy.retentionDays}d`, successfulLogHistoryLimit: 5 },
      deletionPolicy: 'Retain',
      ...(policy.paused ? { pause: true } : {}),
    },
  };
}

/**
 * The field manager of the database's `spec.archiver`: its own, so that the database's apply (as
 * `kubedb-dbaas`, which never sets `spec.archiver`) neither removes the reference nor fights it, and
 * applying the reference without it later removes exactly that field.
 */
export const PITR_FIELD_MANAGER = 'kubedb-dbaas-pitr';

/**
 * The database's `spec.archiver.ref` as a partial object for server-side apply under
 * `PITR_FIELD_MANAGER`; with `archived: false` the empty configuration that removes it.
 */
export function buildArchiverRef(
  database: Pick<DatabaseSpec, 'name' | 'engine' | 'namespace'>,
  archived: boolean,
): KubeObject {
  return {
    apiVersion: KUBEDB_API_VERSION,
    kind: ENGINE_KINDS[database.engine],
    metadata: { name: database.name, namespace: database.namespace },
    ...(archived
      ? {
          spec: {
            archiver: {
              ref: { name: archiverName(database), namespace: database.namespace },
            },
          },
        }
      : {}),
  };
}

/** The repository KubeDB's archiver writes full (base) backups to: `<db>-full`. */
export function fullRepositoryName(database: Pick<DatabaseSpec, 'name'>): string {
  return `${database.name}-full`;
}

/** The label selector of a database's full-backup Snapshots. */
export function fullSnapshotSelector(database: Pick<DatabaseSpec, 'name'>): string {
  return `kubestash.com/repo-name=${fullRepositoryName(database)}`;
}

/** A succeeded full-backup Snapshot and the WAL span it can recover (`logStats {start, end}`). */
export interface ArchivedPoint {
  name: string;
  start: string;
  end: string;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * The full-backup Snapshots of a database's `<db>-full` repository with their WAL span, oldest
 * first: KubeStash records it in `status.components.<component>.logStats {start, end}`.
 */
export function archivedPoints(
  database: Pick<DatabaseSpec, 'name' | 'namespace'>,
  snapshots: readonly KubeObject[],
): ArchivedPoint[] {
  const repository = fullRepositoryName(database);
  const out: ArchivedPoint[] = [];
  for (const snapshot of snapshots) {
    if (snapshot.metadata.namespace !== database.namespace) continue;
    if (snapshot.metadata.labels?.['kubestash.com/repo-name'] !== repository) continue;
    const status = record(snapshot.status);
    if (status.phase !== 'Succeeded') continue;
    const stats = Object.values(record(status.components))
      .map((component) => record(record(component).logStats))
      .find((s) => typeof s.start === 'string' && typeof s.end === 'string');
    if (!stats) continue;
    out.push({ name: snapshot.metadata.name, start: String(stats.start), end: String(stats.end) });
  }
  return out.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

/** The recoverable window of the archived points: the earliest start to the latest end. */
export function archivedWindow(
  points: readonly ArchivedPoint[],
): { from: string; to: string } | null {
  if (points.length === 0) return null;
  const from = points.reduce(
    (a, p) => (Date.parse(p.start) < Date.parse(a) ? p.start : a),
    points[0]!.start,
  );
  const to = points.reduce(
    (a, p) => (Date.parse(p.end) > Date.parse(a) ? p.end : a),
    points[0]!.end,
  );
  return { from, to };
}
