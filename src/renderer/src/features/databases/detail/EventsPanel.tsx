import { useEffect, useState } from 'react';
import { ApiError, type ApiClient, type DatabaseEventItem } from '../../../api';
import { useFleetStore } from '../../../stores';
import { EmptyState, formatTime } from '../../../ui';

/** Kubernetes and product events of one database (`GET /databases/:id/events`), plus what this page saw live. */
export function EventsPanel({
  client,
  databaseId,
  version,
}: {
  client: ApiClient;
  databaseId: string;
  version: string;
}) {
  const [items, setItems] = useState<DatabaseEventItem[] | null>(null);
  const [missing, setMissing] = useState(false);
  const feed = useFleetStore((s) => s.feed);
  useEffect(() => {
    let live = true;
    client
      .request<{ items: DatabaseEventItem[] } | DatabaseEventItem[]>(
        'GET',
        `/api/v1/databases/${encodeURIComponent(databaseId)}/events`,
      )
      .then((answer) => live && setItems(Array.isArray(answer) ? answer : answer.items))
      .catch(
        (failure: unknown) =>
          live && setMissing(failure instanceof ApiError && failure.status === 404),
      );
    return () => {
      live = false;
    };
  }, [client, databaseId, version]);
  const seen = feed.filter((f) => f.databaseId === databaseId);
  return (
    <section className="panel" aria-labelledby="db-events-title">
      <h3 id="db-events-title">Events</h3>
      {items && items.length > 0 ? (
        <ul className="event-list">
          {items.slice(0, 50).map((event, i) => (
            <li key={i}>
              <span className="muted">{formatTime(event.time)}</span>{' '}
              <strong>{event.reason ?? event.type}</strong> {event.message}
            </li>
          ))}
        </ul>
      ) : seen.length > 0 ? (
        <ul className="event-list">
          {seen.map((f, i) => (
            <li key={i}>
              <span className="muted">{new Date(f.at).toLocaleTimeString()}</span> {f.text}
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState title="No events yet">
          {missing
            ? 'This engine does not list events; live changes appear here while the page is open.'
            : 'Events appear as the database changes.'}
        </EmptyState>
      )}
    </section>
  );
}
