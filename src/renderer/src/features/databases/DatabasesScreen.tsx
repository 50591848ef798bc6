import { useEffect, useMemo, useState } from 'react';
import type { Database } from '../../api';
import { useFleetStore } from '../../stores';
import { DatabaseStatusBadge, EmptyState, ErrorView, VirtualList, href, rolesText } from '../../ui';
import { DATABASE_STATUS_NAMES, ENGINE_NAMES } from '../../model/engines';
import { filterDatabases, tenantsOf, useDatabaseFilters } from './database-filters';

const ROW_HEIGHT = 36;

function useViewportHeight(offset: number): number {
  const [height, setHeight] = useState(() => Math.max(240, window.innerHeight - offset));
  useEffect(() => {
    const onResize = (): void => setHeight(Math.max(240, window.innerHeight - offset));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, [offset]);
  return height;
}

function Row({ db, cluster }: { db: Database; cluster: string }) {
  return (
    <>
      <span role="cell" className="c-name">
        <a href={href(`/databases/${db.id}`)}>{db.name}</a>
      </span>
      <span role="cell">{db.engine}</span>
      <span role="cell">{db.version}</span>
      <span role="cell">
        <DatabaseStatusBadge database={db} testId={`status-${db.name}`} />
      </span>
      <span role="cell" className="muted">
        {db.phase || '—'}
      </span>
      <span role="cell">{cluster}</span>
      <span role="cell">
        {db.domain}/{db.project}
      </span>
      <span role="cell" data-testid={`ready-${db.name}`} title={rolesText(db) || undefined}>
        {db.readyReplicas}/{db.desiredReplicas ?? db.replicas}
      </span>
      <span role="cell">
        {db.drift.length > 0 ? (
          <span className="badge badge-warn">drift {db.drift.length}</span>
        ) : (
          ''
        )}
      </span>
    </>
  );
}

/** Every database, windowed so that 10,000 rows stay smooth; statuses update from the event stream. */
export function DatabasesScreen() {
  const databases = useFleetStore((s) => s.databases);
  const loaded = useFleetStore((s) => s.databasesLoaded);
  const paging = useFleetStore((s) => s.databasesPaging);
  const providers = useFleetStore((s) => s.providers);
  const online = useFleetStore((s) => s.online);
  const loadError = useFleetStore((s) => s.loadError);
  const { filters, set, reset } = useDatabaseFilters();
  const height = useViewportHeight(260);

  const rows = useMemo(() => filterDatabases(databases.values(), filters), [databases, filters]);
  const tenants = useMemo(() => tenantsOf(databases.values()), [databases]);
  const clusterName = useMemo(() => new Map(providers.map((p) => [p.id, p.name])), [providers]);

  return (
    <section aria-labelledby="databases-title">
      <div className="screen-head">
        <h2 id="databases-title">Databases</h2>
        <a className="button primary" href={href('/create')}>
          New database
        </a>
      </div>
      <div className="filters" role="search">
        <label>
          Search
          <input
            type="search"
            placeholder="name, namespace, version"
            value={filters.q}
            onChange={(e) => set({ q: e.target.value })}
          />
        </label>
        <label>
          Engine
          <select value={filters.engine} onChange={(e) => set({ engine: e.target.value })}>
            <option value="">any</option>
            {ENGINE_NAMES.map((engine) => (
              <option key={engine}>{engine}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">any</option>
            {DATABASE_STATUS_NAMES.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
        <label>
          Cluster
          <select value={filters.providerId} onChange={(e) => set({ providerId: e.target.value })}>
            <option value="">any</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Domain
          <select value={filters.domain} onChange={(e) => set({ domain: e.target.value })}>
            <option value="">any</option>
            {tenants.domains.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          Project
          <select value={filters.project} onChange={(e) => set({ project: e.target.value })}>
            <option value="">any</option>
            {tenants.projects.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reset}>
          Clear filters
        </button>
      </div>
      <p className="muted" data-testid="database-count" aria-live="polite">
        {rows.length} of {databases.size} databases{paging ? ' (loading more…)' : ''}
      </p>
      {online && loadError && <ErrorView error={loadError} title="Could not load every database" />}
      {!loaded ? (
        <p>Loading databases…</p>
      ) : databases.size === 0 ? (
        <EmptyState title="No databases yet">
          Add a cluster under <a href={href('/clusters')}>Clusters</a>, then{' '}
          <a href={href('/create')}>create a database</a>.
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title="No database matches these filters">
          <button type="button" onClick={reset}>
            Clear filters
          </button>
        </EmptyState>
      ) : (
        <div role="table" aria-label="Databases" aria-rowcount={rows.length + 1} className="dtable">
          <div role="row" className="vrow dhead" aria-rowindex={1}>
            {[
              'Name',
              'Engine',
              'Version',
              'Status',
              'Phase',
              'Cluster',
              'Domain/project',
              'Ready',
              'Drift',
            ].map((h) => (
              <span role="columnheader" key={h}>
                {h}
              </span>
            ))}
          </div>
          <VirtualList
            label="Database rows"
            count={rows.length}
            rowHeight={ROW_HEIGHT}
            height={Math.min(height, rows.length * ROW_HEIGHT + 2)}
            rowKey={(i) => rows[i]!.id}
            renderRow={(i) => (
              <Row
                db={rows[i]!}
                cluster={clusterName.get(rows[i]!.providerId) ?? rows[i]!.providerId}
              />
            )}
          />
        </div>
      )}
    </section>
  );
}
