import type { Database } from '../api';
import { age } from './format';
import { StatusBadge } from './StatusBadge';

/** "last RUNNING, 3 min ago": what was known of an UNKNOWN database, and how old it is. */
export function lastKnownText(
  database: Pick<Database, 'status' | 'lastKnownStatus' | 'statusObservedAt'>,
  now = Date.now(),
): string | null {
  if (database.status !== 'UNKNOWN') return null;
  const last = database.lastKnownStatus;
  const parts: string[] = [];
  if (last && last !== 'UNKNOWN') parts.push(`last ${last}`);
  const at = database.statusObservedAt ? Date.parse(database.statusObservedAt) : Number.NaN;
  parts.push(Number.isNaN(at) ? 'never confirmed' : `${age(at, now)} ago`);
  return parts.join(', ');
}

/**
 * A database's status: the badge, and for UNKNOWN (its cluster's data cannot be confirmed) the last
 * known status and its age beside it, with the reason as tooltip.
 */
export function DatabaseStatusBadge({
  database,
  testId,
}: {
  database: Pick<Database, 'status' | 'lastKnownStatus' | 'statusObservedAt' | 'statusReason'>;
  testId?: string;
}) {
  const last = lastKnownText(database);
  if (last === null) return <StatusBadge status={database.status} testId={testId} />;
  return (
    <span className="status-unknown" title={database.statusReason ?? undefined}>
      <StatusBadge status={database.status} testId={testId} />{' '}
      <span className="muted" data-testid={testId ? `${testId}-last` : undefined}>
        {last}
      </span>
    </span>
  );
}
