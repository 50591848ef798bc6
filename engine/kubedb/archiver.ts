/**
 * Continuous archiving for point-in-time recovery (REFERENCE `spec.archiver`): a PostgresArchiver
 * (archiver.kubedb.com/v1alpha1) per database, selecting it by its database-id label, writing base
 * backups and the WAL stream into the policy's BackupStorage. Only PostgreSQL has an archiver the
 * simulator runs (sim/dataplane/pitr); other engines are refused by name.
 */
import { ENGINE_KINDS, type DatabaseSpec, type Engine } from '../domain';
import { backupNames, backupStorageNames, retentionPolicyName } from './kubestash';
import { databaseLabels } from './names';
import { DATABASE_ID_LABEL, type KubeObject } from './types';

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
  policy: { schedule: string; retentionDays: number; storage: { name: string }; paused?: boolean },
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
        name: retentionPolicyName(policy.retentionDays),
        namespace: database.namespace,
      },
      fullBackup: {
        driver: 'Restic',
        scheduler: { schedule: policy.schedule, successfulJobsHistoryLimit: 2 },
        sessionHistoryLimit: 2,
      },
      logBackup: { retentionPeriod: `${policy.retentionDays * 24}h`, successfulLogHistoryLimit: 5 },
      deletionPolicy: 'Retain',
      ...(policy.paused ? { pause: true } : {}),
    },
  };
}

/** The recoverable window an archiver reports (`status.recoverableWindow` or its base/WAL times). */
export function readArchiverWindow(
  archiver: KubeObject | null,
): { from: string; to: string } | null {
  const status = archiver?.status ?? {};
  const window = (status.recoverableWindow ?? {}) as Record<string, unknown>;
  const from = window.from ?? window.earliest ?? status.firstBaseBackupTime;
  const to = window.to ?? window.latest ?? status.lastArchivedTime;
  return typeof from === 'string' && typeof to === 'string' ? { from, to } : null;
}
