import { useCallback, useEffect, useState } from 'react';
import { ApiError, useClient, type AuditEvent, type ListResponse } from '../../api';
import { EmptyState, ErrorView, formatTime } from '../../ui';

/** The audit trail (global admins): every change, sign-in and credential read, newest first. */
export function AuditScreen() {
  const client = useClient();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [items, setItems] = useState<AuditEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (more: string | null): Promise<void> => {
      setError(null);
      const query = new URLSearchParams({ limit: '100' });
      if (actor) query.set('actor', actor);
      if (action) query.set('action', action);
      if (more) query.set('cursor', more);
      try {
        const page = await client.request<ListResponse<AuditEvent>>(
          'GET',
          `/api/v1/audit?${query.toString()}`,
        );
        setItems((old) => (more ? [...(old ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (failure) {
        setError(failure);
        if (!more) setItems([]);
      }
    },
    [client, actor, action],
  );
  useEffect(() => {
    void load(null);
  }, [load]);

  const missing = error instanceof ApiError && error.status === 404;
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit</h2>
      <div className="filters" role="search">
        <label>
          Actor
          <input value={actor} onChange={(e) => setActor(e.target.value)} />
        </label>
        <label>
          Action
          <input
            value={action}
            onChange={(e) => setAction(e.target.value)}
            placeholder="database.create"
          />
        </label>
      </div>
      {missing ? (
        <EmptyState title="This engine has no audit trail yet" />
      ) : (
        <ErrorView error={error} />
      )}
      {items && items.length === 0 && !error && <EmptyState title="No audit events match" />}
      {items && items.length > 0 && (
        <table className="simple" aria-label="Audit events">
          <thead>
            <tr>
              <th>Time</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Result</th>
              <th>Source</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.time)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td title={e.target}>
                  <AuditTarget event={e} />
                </td>
                <td className={e.result === 'success' ? 'status-ok' : 'status-error'}>
                  {e.result}
                </td>
                <td className="muted">{e.sourceIp ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}

/**
 * The target by the name it had when the event was recorded, its kind beside it; the raw target
 * (the path with ids) stays on hover. Older events, recorded before names were, show that path.
 */
function AuditTarget({ event }: { event: AuditEvent }) {
  if (!event.targetName) return <>{event.target}</>;
  return (
    <>
      {event.targetName}
      {event.targetKind && <span className="muted"> {event.targetKind}</span>}
    </>
  );
}
