import type {
  Database,
  DriftEntry,
  DriftHistoryEntry,
  DriftResolution,
  Operation,
} from '../domain';

/** Resolved or refused drift kept per database: the newest entries, oldest first. */
export const DRIFT_HISTORY_LIMIT = 20;

/** What is known about who resolved drift and how. */
export interface DriftResolver {
  actor: string | null;
  operationId: string | null;
  reason?: string;
}

/** A history entry for `entry`, resolved `resolution` at `at`. */
export function historyEntry(
  entry: DriftEntry,
  resolution: DriftResolution,
  at: string,
  by: DriftResolver,
): DriftHistoryEntry {
  return {
    path: entry.path,
    desired: entry.desired,
    live: entry.live,
    firstSeenAt: entry.firstSeenAt ?? null,
    resolvedAt: at,
    resolution,
    actor: by.actor,
    operationId: by.operationId,
    ...(by.reason !== undefined ? { reason: by.reason } : {}),
  };
}

/** The same difference (path, values and when it was first seen), whatever became of it. */
function sameDifference(a: DriftHistoryEntry, b: DriftHistoryEntry): boolean {
  return (
    a.path === b.path &&
    a.firstSeenAt === b.firstSeenAt &&
    JSON.stringify([a.desired, a.live]) === JSON.stringify([b.desired, b.live])
  );
}

/** A live value that went back to desired: repaired when an operation did it, else by hand. */
const BACK_TO_DESIRED: readonly DriftResolution[] = ['repaired', 'reverted-by-hand'];

/**
 * `history` with `entries` recorded, bounded to the newest `DRIFT_HISTORY_LIMIT`. The same
 * difference is recorded once per resolution, except that "repaired" and "reverted-by-hand" are one
 * outcome seen from two sides (the status sync sees the live value go back, the repair's end says
 * who did it): the repair wins, whichever arrives first.
 */
export function recordDriftHistory(
  history: readonly DriftHistoryEntry[] | undefined,
  entries: readonly DriftHistoryEntry[],
): DriftHistoryEntry[] {
  const next = [...(history ?? [])];
  for (const entry of entries) {
    const index = next.findIndex(
      (old) =>
        sameDifference(old, entry) &&
        (old.resolution === entry.resolution ||
          (BACK_TO_DESIRED.includes(old.resolution) && BACK_TO_DESIRED.includes(entry.resolution))),
    );
    if (index < 0) next.push(entry);
    else if (next[index]!.resolution === 'reverted-by-hand' && entry.resolution === 'repaired')
      next[index] = entry;
  }
  return next.slice(-DRIFT_HISTORY_LIMIT);
}

/** The desired value of a drift path on the database (`labels.<key>` keeps dots in the key). */
export function desiredValueAt(database: Database, path: string): unknown {
  if (path.startsWith('labels.')) return database.labels[path.slice('labels.'.length)] ?? null;
  let value: unknown = database;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The history entries for drift that the status sync no longer sees: every path of `before` that
 * has no drift in `after`. The desired value now being the old live one means it was adopted (a
 * change through the console took it in); otherwise the live value went back to the desired one —
 * repaired when the active operation is a repair of that path, else reverted by hand.
 */
export function vanishedDrift(
  before: Database,
  after: Database,
  active: Operation | null,
  at: string,
): DriftHistoryEntry[] {
  const still = new Set(after.drift.map((entry) => entry.path));
  const repairing = active?.type === 'repair-drift' ? active : null;
  const repairedPaths = new Set(
    ((repairing?.params.drift ?? []) as DriftEntry[]).map((entry) => entry.path),
  );
  const by: DriftResolver = {
    actor: active?.requestedBy ?? null,
    operationId: active?.id ?? null,
  };
  return before.drift
    .filter((entry) => !still.has(entry.path))
    .map((entry) => {
      const desired = desiredValueAt(after, entry.path);
      if (desired !== undefined && JSON.stringify(desired) === JSON.stringify(entry.live ?? null))
        return historyEntry(entry, 'adopted', at, by);
      if (repairedPaths.has(entry.path)) return historyEntry(entry, 'repaired', at, by);
      return historyEntry(entry, 'reverted-by-hand', at, { actor: null, operationId: null });
    });
}

/**
 * The status sync's next observation with the drift it no longer sees recorded in the history;
 * null (nothing to write) stays null.
 */
export function withDriftHistory(
  before: Database,
  after: Database | null,
  active: Operation | null,
  at: string,
): Database | null {
  if (!after) return null;
  const vanished = vanishedDrift(before, after, active, at);
  if (vanished.length === 0) return after;
  return { ...after, driftHistory: recordDriftHistory(before.driftHistory, vanished) };
}
