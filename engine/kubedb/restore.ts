/**
 * The restore side of KubeStash as the engine drives it: which Snapshots a database's repository
 * holds, the RestoreSession an operation applies (its name derives from the operation id, so a
 * retry or a resumed daemon applies the same object) and how to read one back.
 */
import type { DatabaseSpec } from '../domain';
import { backupNames, buildRestoreSession } from './kubestash';
import { OPERATION_ID_LABEL, type KubeObject } from './types';

export const KUBESTASH_STORAGE_API = 'storage.kubestash.com/v1alpha1';
export const KUBESTASH_CORE_API = 'core.kubestash.com/v1alpha1';
/** The label KubeStash puts on every Snapshot naming its Repository. */
export const REPO_NAME_LABEL = 'kubestash.com/repo-name';
/** Set by the simulator on a Snapshot that holds no data (its database had no real process). */
const SIMULATED_ANNOTATION = 'sim.kubedb.dev/simulated-backup';

type RestoreDatabase = Pick<
  DatabaseSpec,
  'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'
>;

/** What the restore service puts in the operation's params. */
export interface RestoreParams {
  /** `in-place` restores into the database itself; `new` into the operation's (new) database. */
  mode: 'in-place' | 'new';
  /** The database whose repository is read. */
  sourceId: string;
  /** The Snapshot name. */
  snapshot: string;
  /** In place into a paused database: resume it for the restore and pause it again afterwards. */
  wasPaused?: boolean;
  /** The restore point's time (for the RPO and the console). */
  pointTime?: string;
  /** PITR with an archiver: the time KubeStash recovers to (RFC 3339). */
  targetTime?: string;
  /** PITR with an archiver: the repository of the full backup (`<db>-full`), not the logical one. */
  repository?: string;
  /**
   * Into a new database on another cluster: the source's cluster. The repository is placed on the
   * target cluster and the restore waits for KubeStash to sync the snapshot there.
   */
  sourceProviderId?: string;
}

/** One restorable point of a repository. */
export interface RestorePoint {
  name: string;
  namespace: string;
  /** When the snapshot was taken (ISO), or its creation time when KubeStash has not said. */
  time: string;
  phase: string;
  simulated: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** A Snapshot object as a restore point. */
export function toRestorePoint(snapshot: KubeObject): RestorePoint {
  const status = record(snapshot.status);
  return {
    name: snapshot.metadata.name,
    namespace: snapshot.metadata.namespace ?? '',
    time: str(status.snapshotTime, snapshot.metadata.creationTimestamp ?? ''),
    phase: str(status.phase, 'Pending'),
    simulated: snapshot.metadata.annotations?.[SIMULATED_ANNOTATION] === 'true',
  };
}

/** The succeeded snapshots of a database's repository among `snapshots`, oldest first. */
export function restorePoints(
  database: Pick<RestoreDatabase, 'name' | 'namespace'>,
  snapshots: readonly KubeObject[],
): RestorePoint[] {
  const repository = backupNames(database).repository;
  return snapshots
    .filter((s) => s.metadata.namespace === database.namespace)
    .filter((s) => s.metadata.labels?.[REPO_NAME_LABEL] === repository)
    .map(toRestorePoint)
    .filter((p) => p.phase === 'Succeeded')
    .sort((a, b) => a.time.localeCompare(b.time) || a.name.localeCompare(b.name));
}

/** The label selector of a database's repository's Snapshots. */
export function snapshotSelector(database: Pick<RestoreDatabase, 'name'>): string {
  return `${REPO_NAME_LABEL}=${backupNames(database).repository}`;
}

/**
 * The RestoreSession of one restore operation: `source`'s repository into `target` (the same
 * database in place, or a new one created with `waitForInitialRestore`). A PITR restore names the
 * full backup's repository and `dataSource.pitr.targetTime`.
 */
export function buildOperationRestoreSession(
  source: RestoreDatabase,
  target: RestoreDatabase,
  restore: { operationId: string; snapshot: string; targetTime?: string; repository?: string },
): KubeObject {
  const session = buildRestoreSession(source, target, restore);
  if (!restore.targetTime && !restore.repository) return session;
  const spec = session.spec as { dataSource: Record<string, unknown> };
  const dataSource = {
    ...spec.dataSource,
    ...(restore.repository ? { repository: restore.repository } : {}),
    ...(restore.targetTime ? { pitr: { targetTime: restore.targetTime } } : {}),
  };
  return { ...session, spec: { ...spec, dataSource } };
}

/** The RestoreSessions an operation made (there must never be more than one). */
export function restoreSessionSelector(operationId: string): string {
  return `${OPERATION_ID_LABEL}=${operationId}`;
}

/** What a RestoreSession says: phase, whether it is over, and why it failed. */
export function readRestoreSession(object: KubeObject | null): {
  phase: string;
  done: boolean;
  succeeded: boolean;
  reason: string | null;
  duration: string | null;
} {
  const status = record(object?.status);
  const phase = str(status.phase, 'Pending');
  const done = ['Succeeded', 'Failed', 'Invalid'].includes(phase);
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(record) : [];
  const failedCondition = conditions.find((c) => c.status === 'False' && c.message);
  const components = Object.values(record(status.components)).map(record);
  const componentError = components.find((c) => typeof c.error === 'string')?.error;
  const reason =
    phase === 'Succeeded'
      ? null
      : str(componentError) || str(failedCondition?.message) || (done ? phase : null);
  return {
    phase,
    done,
    succeeded: phase === 'Succeeded',
    reason,
    duration: typeof status.duration === 'string' ? status.duration : null,
  };
}
