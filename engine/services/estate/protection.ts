/**
 * Which databases are not protected by a backup, and why: no BackupConfiguration targets them, none
 * of their Snapshots has succeeded yet, or the newest succeeded one is older than their schedule
 * allows (1.5 of the schedule's longest gap, plus an hour for a slow run). Pure: it reads the
 * KubeStash objects of one cluster, so it is tested without one.
 */
import type { Database } from '../../domain';
import type { KubeObject } from '../../kubedb/types';

/** Why a database counts as unprotected. */
export type ProtectionGap = 'unconfigured' | 'never-succeeded' | 'overdue';

export interface UnprotectedDatabase {
  databaseId: string;
  name: string;
  state: ProtectionGap;
  reason: string;
  /** The newest succeeded snapshot's time, when there is one. */
  newestBackupAt?: string;
}

/** The value as an object to read fields of (an empty one when it is not an object). */
export function rec(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
/** The value when it is a string, else ''. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The longest gap a five-field cron schedule allows between two runs, roughly, in ms. */
export function scheduleIntervalMs(schedule: string): number {
  const [minute = '*', hour = '*', dom = '*', , dow = '*'] = schedule.trim().split(/\s+/);
  if (minute === '*' || minute.startsWith('*/')) return 60 * 60_000;
  if (hour === '*' || hour.includes('/') || hour.includes(',')) return 60 * 60_000;
  if (dom !== '*') return 31 * 24 * 3600_000;
  if (dow !== '*') return 7 * 24 * 3600_000;
  return 24 * 3600_000;
}

/** How old the newest backup may be under `schedule` before it is overdue, in ms. */
export function allowedAgeMs(schedule: string): number {
  return scheduleIntervalMs(schedule || '0 0 * * *') * 1.5 + 3600_000;
}

/**
 * The unprotected databases among `databases`, from the BackupConfigurations and Snapshots of
 * their cluster, at `now` (ms).
 */
export function unprotectedDatabases(
  configurations: readonly KubeObject[],
  snapshots: readonly KubeObject[],
  databases: readonly Database[],
  now: number,
): UnprotectedDatabase[] {
  const result: UnprotectedDatabase[] = [];
  for (const database of databases) {
    const of = { databaseId: database.id, name: database.name };
    const bc = configurations.find(
      (o) =>
        o.metadata.namespace === database.namespace &&
        str(rec(rec(o.spec).target).name) === database.name,
    );
    if (!bc) {
      result.push({ ...of, state: 'unconfigured', reason: 'no backup configuration' });
      continue;
    }
    const newest = snapshots
      .filter((s) => s.metadata.namespace === database.namespace)
      .filter((s) => str(rec(rec(s.spec).appRef).name) === database.name)
      .filter((s) => rec(s.status).phase === 'Succeeded')
      .map((s) =>
        Date.parse(str(rec(s.status).snapshotTime) || (s.metadata.creationTimestamp ?? '')),
      )
      .filter((t) => Number.isFinite(t))
      .reduce<number | undefined>((a, t) => (a === undefined || t > a ? t : a), undefined);
    const sessions = rec(bc.spec).sessions;
    const schedule = str(
      rec(rec(Array.isArray(sessions) ? sessions[0] : undefined).scheduler).schedule,
    );
    const allowed = allowedAgeMs(schedule);
    if (newest === undefined) {
      result.push({ ...of, state: 'never-succeeded', reason: 'no succeeded backup yet' });
    } else if (now - newest > allowed) {
      const hours = (ms: number): number => Math.round(ms / 3600_000);
      result.push({
        ...of,
        state: 'overdue',
        reason: `newest backup is ${hours(now - newest)} h old; schedule "${schedule}" allows ${hours(allowed)} h`,
        newestBackupAt: new Date(newest).toISOString(),
      });
    }
  }
  return result;
}
