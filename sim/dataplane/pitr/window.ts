/**
 * The recoverable window of a database, computed from its restic repository alone: from the end
 * of its first base backup to the last commit found in an archived WAL segment. A target time
 * inside it is recovered from the latest base backup that was complete by then, plus the WAL after.
 */
import type { ResticTarget } from '../../core/data-plane';
import { listSnapshots, tagValue, type ResticCall, type ResticSnapshot } from './restic';

export interface BaseBackupEntry {
  snapshotId: string;
  start: string;
  end: string;
}

export interface ArchiveIndex {
  bases: BaseBackupEntry[];
  /** WAL file name -> restic snapshot id (segments and timeline history files). */
  files: Map<string, string>;
  /** Archived WAL segments (not history files). */
  segmentCount: number;
  /** The last commit time in the archive (ISO, UTC), if any segment held a commit. */
  lastCommit?: string;
}

export interface RecoverableWindow {
  start: string;
  end: string;
}

/** Orders ISO-8601 UTC strings with up to microseconds. */
export function timeOf(iso: string): number {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(iso);
  const base = Date.parse(`${match?.[1] ?? iso}Z`);
  const fraction = match?.[2] ? Number(`0.${match[2]}`) : 0;
  return (base + fraction * 1000) * 1000; // microseconds, exact enough to compare
}

export function buildIndex(snapshots: readonly ResticSnapshot[]): ArchiveIndex {
  const index: ArchiveIndex = { bases: [], files: new Map(), segmentCount: 0 };
  for (const snap of [...snapshots].sort((a, b) => a.time.localeCompare(b.time))) {
    const tags = snap.tags ?? [];
    if (tags.includes('base')) {
      const start = tagValue(snap, 'start');
      const end = tagValue(snap, 'end');
      if (start && end) index.bases.push({ snapshotId: snap.short_id, start, end });
      continue;
    }
    const file = tagValue(snap, 'seg');
    if (!tags.includes('wal') || !file) continue;
    if (!index.files.has(file) && !tags.includes('kind=other')) index.segmentCount += 1;
    index.files.set(file, snap.short_id);
    const commit = tagValue(snap, 'ct');
    if (commit && (!index.lastCommit || timeOf(commit) > timeOf(index.lastCommit))) {
      index.lastCommit = commit;
    }
  }
  index.bases.sort((a, b) => timeOf(a.end) - timeOf(b.end));
  return index;
}

export async function readIndex(
  target: ResticTarget,
  host: string,
  call: ResticCall = {},
): Promise<ArchiveIndex> {
  return buildIndex(await listSnapshots(target, { host }, call));
}

export function recoverableWindow(index: ArchiveIndex): RecoverableWindow | undefined {
  const first = index.bases[0];
  if (!first || !index.lastCommit || timeOf(index.lastCommit) < timeOf(first.end)) return undefined;
  return { start: first.end, end: index.lastCommit };
}

/** A target time the archive cannot reach; the message names the window. */
export class OutsideWindowError extends Error {
  constructor(
    readonly targetTime: string,
    readonly window: RecoverableWindow | undefined,
  ) {
    super(
      window
        ? `target time ${targetTime} is outside the recoverable window ${window.start} .. ${window.end}`
        : `target time ${targetTime} cannot be recovered: the archive has no base backup followed by archived WAL yet`,
    );
    this.name = 'OutsideWindowError';
  }
}

/** The base backup to recover `targetTime` from, or an `OutsideWindowError`. */
export function chooseBase(index: ArchiveIndex, targetTime: string): BaseBackupEntry {
  const window = recoverableWindow(index);
  const t = timeOf(targetTime);
  if (!window || t < timeOf(window.start) || t > timeOf(window.end)) {
    throw new OutsideWindowError(targetTime, window);
  }
  const base = index.bases.filter((b) => timeOf(b.end) <= t).pop();
  if (!base) throw new OutsideWindowError(targetTime, window);
  return base;
}

/** Normalises an RFC 3339 time (any offset) to UTC ISO with microseconds kept. */
export function normaliseTargetTime(value: string): string {
  const match =
    /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|z|[+-]\d{2}:\d{2})$/.exec(
      value.trim(),
    );
  if (!match) {
    throw new Error(`dataSource.pitr.targetTime must be an RFC 3339 time, got "${value}"`);
  }
  const [, day, clock, fraction = '', zone = 'Z'] = match;
  const whole = new Date(`${day}T${clock}${zone.toUpperCase()}`);
  if (Number.isNaN(whole.getTime())) {
    throw new Error(`dataSource.pitr.targetTime is not a valid time: "${value}"`);
  }
  const micros = fraction ? fraction.slice(1, 7).padEnd(6, '0') : '000000';
  return `${whole.toISOString().slice(0, 19)}.${micros}Z`;
}
