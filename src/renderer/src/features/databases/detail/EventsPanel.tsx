import type { DatabaseEventItem } from '../../../api';
import { useFleetStore } from '../../../stores';
import { EmptyState, ErrorView, formatTime } from '../../../ui';
import { sectionData, sectionError, type Section } from './use-database-detail';

/**
 * Kubernetes and product events of one database (from its detail read), plus what this page saw
 * live. A failed read shows its error, never another database's events.
 */
export function EventsPanel({
  databaseId,
  section,
  error,
}: {
  databaseId: string;
  section: Section<{ items: DatabaseEventItem[]; partial?: boolean }>;
  error: unknown;
}) {
  const feed = useFleetStore((s) => s.feed);
  const items = sectionData(section)?.items ?? null;
  const failure = error ?? sectionError(section);
  const seen = feed.filter((f) => f.databaseId === databaseId);
  return (
    <section className="panel" aria-labelledby="db-events-title" data-testid="events-panel">
      <h3 id="db-events-title">Events</h3>
      <ErrorView error={failure} title="The events could not be read" />
      {sectionData(section)?.partial && (
        <p className="muted">The cluster did not answer: only the engine&apos;s own events show.</p>
      )}
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
      ) : items ? (
        <EmptyState title="No events yet">Events appear as the database changes.</EmptyState>
      ) : null}
    </section>
  );
}
