import type { Database, Operation } from '../../api';

/** Counts of the fleet for the dashboard. */
export interface FleetSummary {
  total: number;
  byStatus: Record<string, number>;
  byEngine: { engine: string; count: number }[];
  byCluster: Map<string, number>;
  /** FAILED, UNKNOWN (cluster unreachable) or drifting databases, worst first. */
  attention: Database[];
}

/** FAILED first, then UNKNOWN, then drift only. */
function severity(db: Database): number {
  return db.status === 'FAILED' ? 2 : db.status === 'UNKNOWN' ? 1 : 0;
}

/** Summarises the fleet (deleted databases do not count). */
export function summarise(databases: Iterable<Database>): FleetSummary {
  const byStatus: Record<string, number> = {};
  const engines = new Map<string, number>();
  const byCluster = new Map<string, number>();
  const attention: Database[] = [];
  let total = 0;
  for (const db of databases) {
    if (db.status === 'DELETED') continue;
    total += 1;
    byStatus[db.status] = (byStatus[db.status] ?? 0) + 1;
    engines.set(db.engine, (engines.get(db.engine) ?? 0) + 1);
    byCluster.set(db.providerId, (byCluster.get(db.providerId) ?? 0) + 1);
    if (db.status === 'FAILED' || db.status === 'UNKNOWN' || db.drift.length > 0)
      attention.push(db);
  }
  attention.sort((a, b) => severity(b) - severity(a) || a.name.localeCompare(b.name));
  return {
    total,
    byStatus,
    byEngine: [...engines]
      .map(([engine, count]) => ({ engine, count }))
      .sort((a, b) => b.count - a.count),
    byCluster,
    attention,
  };
}

/** Operations per day over the last `days` days (UTC dates), split by outcome. */
export function operationsPerDay(
  operations: Iterable<Operation>,
  days = 14,
  now = Date.now(),
): { day: string; succeeded: number; failed: number; other: number }[] {
  const out = new Map<string, { day: string; succeeded: number; failed: number; other: number }>();
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(now - i * 86_400_000).toISOString().slice(0, 10);
    out.set(day, { day, succeeded: 0, failed: 0, other: 0 });
  }
  for (const op of operations) {
    const bucket = out.get(op.createdAt.slice(0, 10));
    if (!bucket) continue;
    if (op.status === 'SUCCEEDED') bucket.succeeded += 1;
    else if (op.status === 'FAILED') bucket.failed += 1;
    else bucket.other += 1;
  }
  return [...out.values()];
}

/**
 * Backup counts of the dashboard: live databases without a backup policy, and those whose latest
 * backup operation failed.
 */
export function backupCounts(
  databases: Iterable<Database>,
  operations: Iterable<Operation>,
): { withoutBackup: number; failed: number } {
  const latest = new Map<string, Operation>();
  for (const op of operations) {
    if (op.type !== 'backup') continue;
    const seen = latest.get(op.databaseId);
    if (!seen || seen.createdAt < op.createdAt) latest.set(op.databaseId, op);
  }
  let withoutBackup = 0;
  let failed = 0;
  for (const db of databases) {
    if (db.status === 'DELETED' || db.status === 'DELETING') continue;
    if (db.backup === null) withoutBackup += 1;
    if (latest.get(db.id)?.status === 'FAILED') failed += 1;
  }
  return { withoutBackup, failed };
}
