import type { Database } from './database';
import type { ProviderHealth } from './provider';

/** Why a cluster's data cannot be trusted now, and since when it was last confirmed. */
export interface Unconfirmed {
  /** The last time the cluster confirmed its data; null when it never did. */
  since: string | null;
  reason: string;
}

/**
 * Whether what the engine knows of a cluster's databases is confirmed: null when it is, otherwise
 * why not (the cluster is unreachable, or its watches cannot confirm its data).
 */
export function unconfirmedCluster(
  name: string,
  health: ProviderHealth | undefined,
): Unconfirmed | null {
  if (!health) return null;
  if (health.reachable) return health.unconfirmed ?? null;
  return {
    since: health.lastSeenAt,
    reason: `cluster ${name} cannot be reached${health.message ? `: ${health.message}` : ''}`,
  };
}

/**
 * The database as reads show it: its stored status is the last one observed; while its cluster's
 * data is unconfirmed the status reads UNKNOWN, with the last known status and since when it was
 * confirmed beside it. A DELETED database needs no cluster and keeps its status.
 */
export function withEffectiveStatus(database: Database, unconfirmed: Unconfirmed | null): Database {
  const stored = database.status === 'UNKNOWN' ? database.lastKnownStatus : database.status;
  const lastKnownStatus = stored ?? 'UNKNOWN';
  if (!unconfirmed || lastKnownStatus === 'DELETED') {
    return { ...database, status: lastKnownStatus, lastKnownStatus, statusObservedAt: null };
  }
  const since = latest(unconfirmed.since, database.lastSyncedAt);
  return {
    ...database,
    status: 'UNKNOWN',
    lastKnownStatus,
    statusObservedAt: since,
    statusReason: unconfirmed.reason,
  };
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}
