import { useFleetStore } from '../../stores';
import { ProgressBar, StatusBadge, href } from '../../ui';

/** Follows a new database from the create operation's progress to RUNNING, live from the event stream. */
export function CreateProgress({
  databaseId,
  operationId,
}: {
  databaseId: string;
  operationId: string;
}) {
  const database = useFleetStore((s) => s.databases.get(databaseId));
  const operation = useFleetStore((s) => s.operations.get(operationId));
  const running = database?.status === 'RUNNING';
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Creating {database?.name ?? 'the database'}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{database && <StatusBadge status={database.status} testId="create-status" />}</dd>
        <dt>KubeDB phase</dt>
        <dd>{database?.phase || '—'}</dd>
        <dt>Operation</dt>
        <dd>{operation ? <StatusBadge status={operation.status} /> : '—'}</dd>
      </dl>
      <ProgressBar value={running ? 100 : (operation?.progress ?? 0)} label="Create progress" />
      {operation?.error && <p className="status-error">{operation.error.message}</p>}
      <p role="status">{running ? 'It runs.' : 'Waiting for KubeDB…'}</p>
      <a href={href(`/databases/${databaseId}`)}>Open the database</a>
    </section>
  );
}
