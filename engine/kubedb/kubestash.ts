import { ENGINE_KINDS, type BackupStorage, type DatabaseSpec, type Engine } from '../domain';
import { databaseLabels, joinName, shortHash } from './names';
import {
  DATABASE_ID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OPERATION_ID_LABEL,
  type KubeObject,
} from './types';

const STORAGE_API = 'storage.kubestash.com/v1alpha1';
const CORE_API = 'core.kubestash.com/v1alpha1';

/** The session name inside every BackupConfiguration the engine makes. */
export const BACKUP_SESSION_NAME = 'scheduled';
/** The one backend name of every BackupConfiguration the engine makes. */
export const BACKUP_BACKEND_NAME = 's3';

/** KubeStash addon of each engine (REFERENCE 8.1); logical backup is common to all six. */
export function addonFor(engine: Engine): string {
  return `${engine}-addon`;
}

type Database = Pick<DatabaseSpec, 'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'>;

/** Deterministic names of a database's backup objects. */
export function backupNames(database: Pick<Database, 'name'>) {
  return {
    backupConfiguration: `${database.name}-backup`,
    repository: `${database.name}-repo`,
    encryptionSecret: `${database.name}-backup-enc`,
  };
}

/** Finished BackupSessions KubeStash keeps per BackupConfiguration (its default is 1). */
export const SESSION_HISTORY_LIMIT = 10;

/** Names of a BackupStorage's objects in a namespace (one copy per project namespace that uses it). */
export function backupStorageNames(storage: Pick<BackupStorage, 'name'>) {
  return { backupStorage: `dbaas-${storage.name}`, secret: `dbaas-${storage.name}-s3` };
}

/** restic keep-* counts of a policy (instead of a number of days). */
export interface RetentionCounts {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

/** Name of the shared RetentionPolicy for a number of days, or for keep-* counts. */
export function retentionPolicyName(retentionDays: number, counts?: RetentionCounts): string {
  if (!counts) return `dbaas-keep-${retentionDays}d`;
  const parts = [
    counts.keepLast ? `l${counts.keepLast}` : '',
    counts.keepDaily ? `d${counts.keepDaily}` : '',
    counts.keepWeekly ? `w${counts.keepWeekly}` : '',
    counts.keepMonthly ? `m${counts.keepMonthly}` : '',
  ].filter(Boolean);
  return `dbaas-keep-${parts.join('-')}`;
}

function managedLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...extra };
}

/**
 * The Secret holding the S3 keys for a BackupStorage. Built only at apply time from the vault;
 * it must never be stored, logged or returned by a dry run.
 */
export function buildS3Secret(
  storage: Pick<BackupStorage, 'name'>,
  namespace: string,
  keys: { accessKeyId: string; secretAccessKey: string },
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: backupStorageNames(storage).secret, namespace, labels: managedLabels() },
    type: 'Opaque',
    stringData: {
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    },
  };
}

/** The restic encryption Secret of a database's repository (`RESTIC_PASSWORD`), from the vault. */
export function buildEncryptionSecret(database: Database, password: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: backupNames(database).encryptionSecret,
      namespace: database.namespace,
      labels: databaseLabels(database),
    },
    type: 'Opaque',
    stringData: { RESTIC_PASSWORD: password },
  };
}

/** A KubeStash BackupStorage for an S3 bucket, usable only from its own namespace. */
export function buildBackupStorage(
  storage: Pick<BackupStorage, 'name' | 'endpoint' | 'bucket' | 'region' | 'prefix'>,
  namespace: string,
): KubeObject {
  const names = backupStorageNames(storage);
  return {
    apiVersion: STORAGE_API,
    kind: 'BackupStorage',
    metadata: { name: names.backupStorage, namespace, labels: managedLabels() },
    spec: {
      storage: {
        provider: 's3',
        s3: {
          endpoint: storage.endpoint,
          bucket: storage.bucket,
          ...(storage.region ? { region: storage.region } : {}),
          ...(storage.prefix ? { prefix: storage.prefix } : {}),
          secretName: names.secret,
        },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      default: false,
      deletionPolicy: 'Delete',
    },
  };
}

/** A RetentionPolicy keeping successful snapshots for `retentionDays` (at most one a day) and the last 2 failures. */
export function buildRetentionPolicy(
  retentionDays: number,
  namespace: string,
  counts?: RetentionCounts,
): KubeObject {
  const successful = counts
    ? {
        ...(counts.keepLast ? { last: counts.keepLast } : {}),
        ...(counts.keepDaily ? { daily: counts.keepDaily } : {}),
        ...(counts.keepWeekly ? { weekly: counts.keepWeekly } : {}),
        ...(counts.keepMonthly ? { monthly: counts.keepMonthly } : {}),
      }
    : { daily: retentionDays };
  return {
    apiVersion: STORAGE_API,
    kind: 'RetentionPolicy',
    metadata: {
      name: retentionPolicyName(retentionDays, counts),
      namespace,
      labels: managedLabels(),
    },
    spec: {
      ...(counts ? {} : { maxRetentionPeriod: `${retentionDays}d` }),
      successfulSnapshots: successful,
      failedSnapshots: { last: 2 },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
    },
  };
}

/**
 * The BackupConfiguration of a database: a logical backup on `schedule` into `<db>-repo` of the
 * storage, pruned by the retention policy. `paused` stops scheduling (the policy was removed).
 */
export function buildBackupConfiguration(
  database: Database,
  policy: {
    schedule: string;
    retentionDays: number;
    retention?: RetentionCounts;
    storage: Pick<BackupStorage, 'name'>;
    paused?: boolean;
  },
): KubeObject {
  const names = backupNames(database);
  const ref = (name: string) => ({ name, namespace: database.namespace });
  return {
    apiVersion: CORE_API,
    kind: 'BackupConfiguration',
    metadata: {
      name: names.backupConfiguration,
      namespace: database.namespace,
      labels: databaseLabels(database),
    },
    spec: {
      target: {
        apiGroup: 'kubedb.com',
        kind: ENGINE_KINDS[database.engine],
        name: database.name,
        namespace: database.namespace,
      },
      backends: [
        {
          name: BACKUP_BACKEND_NAME,
          storageRef: ref(backupStorageNames(policy.storage).backupStorage),
          retentionPolicy: ref(retentionPolicyName(policy.retentionDays, policy.retention)),
        },
      ],
      sessions: [
        {
          name: BACKUP_SESSION_NAME,
          // KubeStash keeps one finished session by default: the three failed attempts of one
          // backup, and the runs before it, would vanish from the backups list.
          sessionHistoryLimit: SESSION_HISTORY_LIMIT,
          scheduler: { schedule: policy.schedule, jobTemplate: { backoffLimit: 1 } },
          repositories: [
            {
              name: names.repository,
              backend: BACKUP_BACKEND_NAME,
              // The id keeps a re-created database with the same name out of the old one's snapshots.
              directory: `/${database.domain}/${database.project}/${database.name}-${database.id}`,
              encryptionSecret: ref(names.encryptionSecret),
            },
          ],
          addon: { name: addonFor(database.engine), tasks: [{ name: 'logical-backup' }] },
        },
      ],
      ...(policy.paused ? { paused: true } : {}),
    },
  };
}

/**
 * An on-demand BackupSession ("Backup now"), named as `kubectl kubestash trigger` does:
 * `<bc>-<session>-<unix seconds>`. Pass the operation's creation time so a retry reuses the name.
 */
export function buildBackupSession(
  database: Database,
  trigger: { operationId: string; unixSeconds: number; backupConfigurationUid?: string },
): KubeObject {
  const configuration = backupNames(database).backupConfiguration;
  return {
    apiVersion: CORE_API,
    kind: 'BackupSession',
    metadata: {
      name: `${configuration}-${BACKUP_SESSION_NAME}-${Math.floor(trigger.unixSeconds)}`,
      namespace: database.namespace,
      labels: { ...databaseLabels(database), [OPERATION_ID_LABEL]: trigger.operationId },
      ...(trigger.backupConfigurationUid
        ? {
            ownerReferences: [
              {
                apiVersion: CORE_API,
                kind: 'BackupConfiguration',
                name: configuration,
                uid: trigger.backupConfigurationUid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: configuration },
      session: BACKUP_SESSION_NAME,
    },
  };
}

/**
 * A RestoreSession of `source`'s repository into `target` (the same database, or a new one created
 * with `waitForInitialRestore`). `snapshot` is a Snapshot name, or `latest`.
 */
export function buildRestoreSession(
  source: Database,
  target: Database,
  restore: { operationId: string; snapshot?: string },
): KubeObject {
  const names = backupNames(source);
  return {
    apiVersion: CORE_API,
    kind: 'RestoreSession',
    metadata: {
      name: joinName(`${target.name}-restore`, shortHash(restore.operationId)),
      namespace: target.namespace,
      labels: {
        ...databaseLabels(target),
        [OPERATION_ID_LABEL]: restore.operationId,
        [`${DATABASE_ID_LABEL}-source`]: source.id,
      },
    },
    spec: {
      target: {
        apiGroup: 'kubedb.com',
        kind: ENGINE_KINDS[target.engine],
        name: target.name,
        namespace: target.namespace,
      },
      dataSource: {
        repository: names.repository,
        ...(source.namespace !== target.namespace ? { namespace: source.namespace } : {}),
        snapshot: restore.snapshot ?? 'latest',
        encryptionSecret: { name: names.encryptionSecret, namespace: source.namespace },
      },
      addon: { name: addonFor(target.engine), tasks: [{ name: 'logical-backup-restore' }] },
    },
  };
}

/** Reads a BackupSession or RestoreSession: phase, done, and the snapshot name when there is one. */
export function readSessionStatus(object: KubeObject): {
  phase: string;
  done: boolean;
  succeeded: boolean;
  snapshot: string | null;
} {
  const status = (object.status ?? {}) as { phase?: string; snapshots?: { name?: string }[] };
  const phase = status.phase ?? 'Pending';
  const done = ['Succeeded', 'Failed', 'Skipped', 'Invalid'].includes(phase);
  return {
    phase,
    done,
    succeeded: phase === 'Succeeded',
    snapshot: status.snapshots?.[0]?.name ?? null,
  };
}
