import { useEffect, useMemo, useState } from 'react';
import { useClient, type Operation } from '../../api';
import { OPERATION_STATUS_NAMES, OPERATION_TYPE_NAMES } from '../../model/engines';
import { isFinished, useFleetStore, useToastStore } from '../../stores';
import {
  EmptyState,
  ErrorView,
  ProgressBar,
  StatusBadge,
  formatTime,
  href,
  useOfflineReason,
} from '../../ui';

/** Running operations that cannot be aborted (it would leave a partial database: delete it instead). */
const NOT_ABORTABLE = new Set<string>(['create', 'delete', 'restore']);

/** The queue (not finished) and the history (finished) of operations, filtered; QUEUED ones can be cancelled. */
export function OperationsScreen() {
  const client = useClient();
  const operations = useFleetStore((s) => s.operations);
  const databases = useFleetStore((s) => s.databases);
  const load = useFleetStore((s) => s.loadOperations);
  const upsert = useFleetStore((s) => s.upsertOperation);
  const toast = useToastStore((s) => s.push);
  const offline = useOfflineReason();
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [q, setQ] = useState('');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    void load(client);
  }, [client, load]);

  const nameOf = (op: Operation): string => databases.get(op.databaseId)?.name ?? op.databaseId;
  const rows = useMemo(
    () =>
      [...operations.values()]
        .filter((op) => (!status || op.status === status) && (!type || op.type === type))
        .filter(
          (op) =>
            !q ||
            (databases.get(op.databaseId)?.name ?? op.databaseId).includes(q.trim().toLowerCase()),
        )
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [operations, databases, status, type, q],
  );
  const queue = rows.filter((op) => !isFinished(op.status));
  const history = rows.filter((op) => isFinished(op.status)).slice(0, 300);

  /** Cancels a queued operation; aborts a running one (its OpsRequest deleted, the desired state put back). */
  const cancel = async (op: Operation): Promise<void> => {
    setError(null);
    const verb = op.status === 'RUNNING' ? 'abort' : 'cancel';
    try {
      upsert(await client.request<Operation>('POST', `/api/v1/operations/${op.id}/${verb}`));
      toast(`${op.type} of ${nameOf(op)} ${verb === 'abort' ? 'aborted' : 'cancelled'}`, 'ok');
    } catch (failure) {
      setError(failure);
    }
  };

  const table = (items: Operation[], label: string) => (
    <table className="simple" aria-label={label}>
      <thead>
        <tr>
          <th>Database</th>
          <th>Type</th>
          <th>Status</th>
          <th>Progress</th>
          <th>Step</th>
          <th>Attempts</th>
          <th>Created</th>
          <th>Finished</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((op) => (
          <tr key={op.id}>
            <td>
              <a href={href(`/databases/${op.databaseId}`)}>{nameOf(op)}</a>
            </td>
            <td>{op.type}</td>
            <td>
              <StatusBadge status={op.status} />
              {op.error && <div className="status-error">{op.error.message}</div>}
            </td>
            <td>
              <ProgressBar value={op.progress} label={`${op.type} of ${nameOf(op)}`} />
            </td>
            <td className="muted">{op.steps.at(-1)?.name ?? ''}</td>
            <td>{op.attempts}</td>
            <td>{formatTime(op.createdAt)}</td>
            <td>{formatTime(op.finishedAt)}</td>
            <td>
              {op.status === 'QUEUED' && (
                <button
                  type="button"
                  className="small"
                  onClick={() => void cancel(op)}
                  disabled={offline !== null}
                  aria-label={`Cancel ${op.type} of ${nameOf(op)}`}
                >
                  Cancel
                </button>
              )}
              {op.status === 'RUNNING' && !NOT_ABORTABLE.has(op.type) && (
                <button
                  type="button"
                  className="small danger"
                  onClick={() => void cancel(op)}
                  disabled={offline !== null}
                  aria-label={`Abort ${op.type} of ${nameOf(op)}`}
                  title="Deletes its OpsRequest on the cluster and puts back the desired state it changed"
                >
                  Abort
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <section aria-labelledby="ops-title">
      <h2 id="ops-title">Operations</h2>
      <div className="filters" role="search">
        <label>
          Database
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {OPERATION_STATUS_NAMES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">any</option>
            {OPERATION_TYPE_NAMES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorView error={error} />
      <h3>Queue ({queue.length})</h3>
      {queue.length === 0 ? (
        <EmptyState title="Nothing queued or running">
          Changes to databases queue operations here.
        </EmptyState>
      ) : (
        table(queue, 'Queue')
      )}
      <h3>History</h3>
      {history.length === 0 ? (
        <EmptyState title="No finished operations yet" />
      ) : (
        table(history, 'History')
      )}
    </section>
  );
}
