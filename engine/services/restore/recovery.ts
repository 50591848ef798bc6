/**
 * Recovery objectives and the recoverable window of a database. RPO now is the age of the newest
 * restorable point; RTO is the last successful restore's duration; the seed's objectives are
 * RPO < 1 h and RTO < 4 h. The window is what the archiver recorded in the `<db>-full` Snapshots
 * (PITR: `logStats {start, end}`), or else the span of the succeeded snapshots.
 */
import { EngineError } from '../../base/errors';
import type { Database, Engine, Operation } from '../../domain';
import {
  PITR_ENGINES,
  archivedWindow,
  supportsPitr,
  type ArchivedPoint,
} from '../../kubedb/archiver';
import type { RestorePoint } from '../../kubedb/restore';
import type { Store } from '../../store';

/** The seed's objectives, in seconds. */
export const OBJECTIVES = { rpoSeconds: 3600, rtoSeconds: 4 * 3600 } as const;

export interface RecoveryWindow {
  from: string;
  to: string;
  /** `archiver`: continuous (WAL) archiving; `snapshots`: only the snapshot times are restorable. */
  source: 'archiver' | 'snapshots';
}

export interface RecoveryView {
  databaseId: string;
  points: RestorePoint[];
  recoverableWindow: RecoveryWindow | null;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  objectives: { rpoSeconds: number; rtoSeconds: number; breached: ('rpo' | 'rto')[] };
  /** The last restore operation, if any. */
  lastRestore: { operationId: string; status: string; finishedAt: string | null } | null;
}

/** 422 naming the engine when it has no archiver the engine can set up. */
export function assertPitrSupported(engine: Engine, path = 'pitr'): void {
  if (supportsPitr(engine)) return;
  const message = `point-in-time recovery is not available for ${engine}: only ${PITR_ENGINES.join(', ')} has an archiver here`;
  throw new EngineError('UNSUPPORTED', message, {
    details: [{ path, rule: 'engine', message }],
  });
}

/** The window of the archived WAL when there is one, else the span of the snapshots. */
export function windowOf(
  points: readonly RestorePoint[],
  archived: readonly ArchivedPoint[],
): RecoveryWindow | null {
  const window = archivedWindow(archived);
  if (window) return { ...window, source: 'archiver' };
  const first = points[0];
  const last = points.at(-1);
  return first && last ? { from: first.time, to: last.time, source: 'snapshots' } : null;
}

/** 422 naming the window when `targetTime` is outside it. */
export function assertInWindow(
  database: Pick<Database, 'name'>,
  targetTime: string,
  window: RecoveryWindow | null,
): void {
  const at = Date.parse(targetTime);
  const inside = window && at >= Date.parse(window.from) && at <= Date.parse(window.to);
  if (inside) return;
  const message = window
    ? `pitr.targetTime ${targetTime} is outside the recoverable window of ${database.name}: ${window.from} .. ${window.to}`
    : `database ${database.name} has no recoverable window yet (no succeeded snapshot)`;
  throw new EngineError('UNPROCESSABLE', message, {
    details: [{ path: 'pitr.targetTime', rule: 'recoverable-window', message }],
  });
}

/** The full backup to recover `targetTime` from: the newest whose WAL span starts by then. */
export function archivedPointFor(
  archived: readonly ArchivedPoint[],
  targetTime: string,
): ArchivedPoint | undefined {
  const at = Date.parse(targetTime);
  return archived.filter((p) => Date.parse(p.start) <= at).at(-1) ?? archived[0];
}

/** The newest point taken at or before `targetTime`. */
export function pointAtOrBefore(
  points: readonly RestorePoint[],
  targetTime: string,
): RestorePoint | undefined {
  const at = Date.parse(targetTime);
  return points.filter((p) => Date.parse(p.time) <= at).at(-1);
}

function seconds(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

/** RPO, RTO and their breaches, from the points and the database's restore operations. */
export async function recoveryView(
  store: Store,
  database: Database,
  points: RestorePoint[],
  archived: readonly ArchivedPoint[],
  now: Date,
): Promise<RecoveryView> {
  const window = windowOf(points, archived);
  const newest = window?.source === 'archiver' ? window.to : (points.at(-1)?.time ?? null);
  const rpoSeconds = newest ? seconds(newest, now.toISOString()) : null;
  const restores = (
    await store.operations.list({ databaseId: database.id, type: 'restore' }, { limit: 100 })
  ).items.sort((a: Operation, b: Operation) =>
    (a.finishedAt ?? a.createdAt).localeCompare(b.finishedAt ?? b.createdAt),
  );
  const succeeded = restores.filter((op) => op.status === 'SUCCEEDED').at(-1);
  const rtoSeconds = succeeded ? seconds(succeeded.startedAt, succeeded.finishedAt) : null;
  const breached: ('rpo' | 'rto')[] = [];
  if (rpoSeconds === null || rpoSeconds >= OBJECTIVES.rpoSeconds) breached.push('rpo');
  if (rtoSeconds !== null && rtoSeconds >= OBJECTIVES.rtoSeconds) breached.push('rto');
  const last = restores.at(-1);
  return {
    databaseId: database.id,
    points,
    recoverableWindow: window,
    rpoSeconds,
    rtoSeconds,
    objectives: { ...OBJECTIVES, breached },
    lastRestore: last
      ? { operationId: last.id, status: last.status, finishedAt: last.finishedAt }
      : null,
  };
}
