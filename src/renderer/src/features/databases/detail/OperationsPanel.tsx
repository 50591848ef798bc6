import { useMemo } from 'react';
import { useFleetStore } from '../../../stores';
import { changeSummary } from '../../../model/progress';
import { EmptyState, ProgressBar, StatusBadge, formatTime } from '../../../ui';

/**
 * The operations of one database, newest first, with live progress from the event stream. They come
 * into the fleet store with the detail read (its latest operations) and with events.
 */
export function OperationsPanel({ databaseId }: { databaseId: string }) {
  const operations = useFleetStore((s) => s.operations);
  const database = useFleetStore((s) => s.databases.get(databaseId));
  const mine = useMemo(
    () =>
      [...operations.values()]
        .filter((o) => o.databaseId === databaseId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [operations, databaseId],
  );
  return (
    <section className="panel" aria-labelledby="db-ops-title">
      <h3 id="db-ops-title">Operations</h3>
      {mine.length === 0 ? (
        <EmptyState title="No operations yet">
          Changes you make below appear here with their progress.
        </EmptyState>
      ) : (
        <ul className="op-list" data-testid="db-operations">
          {mine.slice(0, 20).map((op) => (
            <li key={op.id} data-testid={`operation-${op.type}`} data-status={op.status}>
              <span className="op-type">{op.type}</span>
              <StatusBadge status={op.status} />
              {database && (
                <span className="op-change" data-testid={`operation-change-${op.type}`}>
                  {changeSummary(database, op)}
                </span>
              )}
              <ProgressBar value={op.progress} label={`${op.type} progress`} />
              <span className="muted">
                {op.steps.at(-1)?.name ?? ''}
                {op.steps.at(-1)?.message ? `: ${op.steps.at(-1)?.message}` : ''}
              </span>
              <span className="muted">{formatTime(op.createdAt)}</span>
              {op.error && <span className="status-error">{op.error.message}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
