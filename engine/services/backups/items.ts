/** Backups as the API lists them, read from BackupSession and Snapshot objects. Pure. */
import type { BackupItem } from '../../domain/backup-views';
import { backupNames } from '../../kubedb/kubestash';
import type { KubeObject } from '../../kubedb/types';

/** The annotation the simulator sets on a Snapshot that holds no data. */
export const SIMULATED_SNAPSHOT_ANNOTATION = 'sim.kubedb.dev/simulated-backup';
export const CORE_API = 'core.kubestash.com/v1alpha1';
export const STORAGE_API = 'storage.kubestash.com/v1alpha1';

const PHASES = new Set<BackupItem['phase']>([
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Skipped',
  'Invalid',
  'Unknown',
]);

type Status = {
  phase?: string;
  duration?: string;
  snapshotTime?: string;
  size?: string;
  conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  components?: Record<string, { error?: string }>;
};

function statusOf(object: KubeObject | undefined): Status {
  return object?.status ?? {};
}

function phaseOf(value: string | undefined): BackupItem['phase'] {
  return value && PHASES.has(value as BackupItem['phase'])
    ? (value as BackupItem['phase'])
    : value
      ? 'Unknown'
      : 'Pending';
}

/** Seconds of a Go duration such as "1m2.5s" or "350ms". */
export function goDurationSeconds(text: string | undefined): number | null {
  if (!text) return null;
  let total = 0;
  let matched = false;
  for (const [, value, unit] of text.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)) {
    matched = true;
    const n = Number(value);
    total +=
      unit === 'h'
        ? n * 3600
        : unit === 'm'
          ? n * 60
          : unit === 's'
            ? n
            : unit === 'ms'
              ? n / 1e3
              : 0;
  }
  return matched ? total : null;
}

/** Conditions whose `False` is the good outcome ("Skip check passed": the backup was not skipped). */
const FALSE_IS_FINE = new Set(['BackupSkipped']);

/**
 * KubeStash's reason for a failed session or snapshot: the failing condition's reason and message
 * (`WrongCredentials: the S3 server rejected …`), so both the code and the words reach the user.
 */
export function failureOf(
  session: KubeObject | undefined,
  snapshot?: KubeObject,
): string | undefined {
  for (const object of [session, snapshot]) {
    const status = statusOf(object);
    const failed = status.conditions?.find(
      (c) => c.status === 'False' && c.message && !FALSE_IS_FINE.has(c.type ?? ''),
    );
    if (failed?.message)
      return failed.reason && !failed.message.includes(failed.reason)
        ? `${failed.reason}: ${failed.message}`
        : failed.message;
    const component = Object.values(status.components ?? {}).find((c) => c.error);
    if (component?.error) return component.error;
  }
  return undefined;
}

/** One database's backups from the objects of its namespace, newest first. */
export function backupItems(
  database: { name: string; namespace: string },
  sessions: readonly KubeObject[],
  snapshots: readonly KubeObject[],
): BackupItem[] {
  const configuration = backupNames(database).backupConfiguration;
  const repository = backupNames(database).repository;
  const own = sessions.filter(
    (s) =>
      s.metadata.namespace === database.namespace &&
      (s.spec as { invoker?: { name?: string } } | undefined)?.invoker?.name === configuration,
  );
  const snaps = snapshots.filter(
    (s) =>
      s.metadata.namespace === database.namespace &&
      (s.spec as { repository?: string } | undefined)?.repository === repository,
  );
  const bySession = new Map<string, KubeObject>();
  for (const snap of snaps) {
    const session = (snap.spec as { backupSession?: string } | undefined)?.backupSession;
    if (session) bySession.set(session, snap);
  }
  const names = new Set([...own.map((s) => s.metadata.name), ...bySession.keys()]);
  const items = [...names].map((name) => {
    const session = own.find((s) => s.metadata.name === name);
    const snapshot = bySession.get(name);
    const sessionStatus = statusOf(session);
    const snapStatus = statusOf(snapshot);
    const startedAt =
      session?.metadata.creationTimestamp ?? snapshot?.metadata.creationTimestamp ?? null;
    const phase = phaseOf(sessionStatus.phase ?? snapStatus.phase);
    const done = ['Succeeded', 'Failed', 'Skipped', 'Invalid'].includes(phase);
    const seconds = goDurationSeconds(sessionStatus.duration);
    const finishedAt = !done
      ? null
      : (snapStatus.snapshotTime ??
        (startedAt && seconds !== null
          ? new Date(Date.parse(startedAt) + seconds * 1000).toISOString()
          : null));
    const error =
      phase === 'Failed' || phase === 'Invalid' ? failureOf(session, snapshot) : undefined;
    const item: BackupItem = {
      id: name,
      startedAt,
      finishedAt,
      phase,
      size: snapStatus.size ?? null,
      snapshot: snapshot?.metadata.name ?? null,
      ...(snapshot?.metadata.annotations?.[SIMULATED_SNAPSHOT_ANNOTATION] === 'true'
        ? { simulated: true }
        : {}),
      ...(error ? { error } : {}),
    };
    return item;
  });
  return items.sort(
    (a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.id.localeCompare(a.id),
  );
}
