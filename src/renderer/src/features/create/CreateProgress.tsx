import { createProgress } from '../../model/progress';
import { useFleetStore } from '../../stores';
import { ProgressBar, StatusBadge, href } from '../../ui';

/**
 * Follows a new database from the create operation to RUNNING, live from the event stream. The
 * operation succeeding means the objects were applied; the page says it is done only once the
 * database runs.
 */
export function CreateProgress({
  databaseId,
  operationId,
}: {
  databaseId: string;
  operationId: string;
}) {
  const database = useFleetStore((s) => s.databases.get(databaseId));
  const operation = useFleetStore((s) => s.operations.get(operationId));
  const progress = createProgress(database, operation);
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Creating {database?.name ?? 'the database'}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{database && <StatusBadge status={database.status} testId="create-status" />}</dd>
        <dt>KubeDB phase</dt>
        <dd data-testid="create-phase">{database?.phase || '—'}</dd>
        <dt>Objects</dt>
        <dd data-testid="create-operation">
          {progress.operation}
          {operation && <span className="muted"> (operation {operation.status})</span>}
        </dd>
      </dl>
      <ProgressBar value={progress.value} label="Create progress" />
      <p role="status" data-testid="create-message">
        {progress.message}
      </p>
      <a href={href(`/databases/${databaseId}`)}>Open the database</a>
    </section>
  );
}
