import { useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useFleetStore } from '../../stores';
import { DatabaseStatusBadge, EmptyState, StatusBadge, href, kubedbText, navigate } from '../../ui';
import { backupCounts, operationsPerDay, summarise } from './fleet-summary';
import { useBackupGaps } from './use-backup-gaps';

/** The fleet at a glance: statuses, engines, clusters and their health, what needs attention, operations, events. */
export function DashboardScreen({
  onFilter,
}: {
  onFilter: (patch: { status?: string; engine?: string; providerId?: string }) => void;
}) {
  const databases = useFleetStore((s) => s.databases);
  const providers = useFleetStore((s) => s.providers);
  const operations = useFleetStore((s) => s.operations);
  const feed = useFleetStore((s) => s.feed);
  const summary = useMemo(() => summarise(databases.values()), [databases]);
  const backups = useMemo(
    () => backupCounts(databases.values(), operations.values()),
    [databases, operations],
  );
  const gaps = useBackupGaps();
  const perDay = useMemo(() => operationsPerDay(operations.values()), [operations]);
  const go = (patch: { status?: string; engine?: string; providerId?: string }): void => {
    onFilter(patch);
    navigate('/databases');
  };

  if (providers.length === 0 && summary.total === 0) {
    return (
      <section aria-labelledby="dash-title">
        <h2 id="dash-title">Fleet</h2>
        <EmptyState title="Nothing here yet">
          Start by <a href={href('/clusters')}>adding a cluster</a> (a kubeconfig with KubeDB
          installed), then <a href={href('/create')}>create a database</a>.
        </EmptyState>
      </section>
    );
  }
  return (
    <section aria-labelledby="dash-title" className="dashboard">
      <h2 id="dash-title">Fleet</h2>
      <div className="cards">
        <div className="card">
          <span className="card-n" data-testid="dash-total">
            {summary.total}
          </span>
          databases
        </div>
        <div className="card">
          <span className="card-n" data-testid="dash-no-backup">
            {backups.withoutBackup}
          </span>
          without a backup policy
        </div>
        <div className="card">
          <span className="card-n" data-testid="dash-backup-failed">
            {backups.failed}
          </span>
          with a failed last backup
        </div>
        <div
          className="card"
          title={gaps.error ? `Could not read the backup estate: ${gaps.error}` : undefined}
        >
          <span className="card-n" data-testid="dash-backup-overdue">
            {gaps.overdue ?? '—'}
          </span>
          {gaps.error
            ? 'overdue backups (unknown: the estate cannot be read)'
            : gaps.unreadableClusters > 0
              ? `with an overdue backup, or more: ${gaps.unreadableClusters} cluster${gaps.unreadableClusters === 1 ? '' : 's'} could not be read`
              : 'with an overdue backup'}
        </div>
        {Object.entries(summary.byStatus).map(([status, n]) => (
          <button
            type="button"
            key={status}
            className="card"
            onClick={() => go({ status })}
            aria-label={`${n} ${status}, show them`}
          >
            <span className="card-n">{n}</span>
            <StatusBadge status={status} />
          </button>
        ))}
      </div>
      <div className="grid2">
        <section className="panel" aria-labelledby="by-engine">
          <h3 id="by-engine">By engine</h3>
          <div className="buttons">
            {summary.byEngine.map((e) => (
              <button
                type="button"
                key={e.engine}
                className="small"
                onClick={() => go({ engine: e.engine })}
              >
                {e.engine}: {e.count}
              </button>
            ))}
          </div>
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={summary.byEngine}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="engine" />
              <YAxis allowDecimals={false} width={40} />
              <Tooltip />
              <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </section>
        <section className="panel" aria-labelledby="ops-day">
          <h3 id="ops-day">Operations per day</h3>
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={perDay}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} />
              <YAxis allowDecimals={false} width={40} />
              <Tooltip />
              <Legend />
              <Bar dataKey="succeeded" stackId="a" fill="var(--ok)" isAnimationActive={false} />
              <Bar dataKey="failed" stackId="a" fill="var(--error)" isAnimationActive={false} />
              <Bar dataKey="other" stackId="a" fill="var(--accent)" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </section>
      </div>
      <div className="grid2">
        <section className="panel" aria-labelledby="dash-clusters">
          <h3 id="dash-clusters">Clusters</h3>
          <table className="simple" aria-label="Clusters and health">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Health</th>
                <th>KubeDB</th>
                <th>Databases</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((p) => (
                <tr key={p.id}>
                  <td>
                    <button type="button" className="link" onClick={() => go({ providerId: p.id })}>
                      {p.name}
                    </button>
                  </td>
                  <td>
                    <StatusBadge status={p.health.reachable ? 'reachable' : 'unreachable'} />
                  </td>
                  <td>{kubedbText(p.health, `${p.health.engines.length} engines`)}</td>
                  <td>{summary.byCluster.get(p.id) ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="panel" aria-labelledby="dash-attention">
          <h3 id="dash-attention">Failing, drifting or unknown now</h3>
          {summary.attention.length === 0 ? (
            <p className="status-ok">Every database runs as desired.</p>
          ) : (
            <ul className="plain">
              {summary.attention.slice(0, 15).map((db) => (
                <li key={db.id}>
                  <a href={href(`/databases/${db.id}`)}>{db.name}</a>{' '}
                  <DatabaseStatusBadge database={db} />{' '}
                  {db.drift.length > 0 && (
                    <span className="badge badge-warn">drift {db.drift.length}</span>
                  )}{' '}
                  <span className="muted">{db.statusReason ?? ''}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="dash-events">
        <h3 id="dash-events">Last events</h3>
        {feed.length === 0 ? (
          <p className="muted">
            Events appear here live as databases, operations and clusters change.
          </p>
        ) : (
          <ul className="plain" data-testid="event-feed">
            {feed.slice(0, 15).map((f, i) => (
              <li key={i}>
                <span className="muted">{new Date(f.at).toLocaleTimeString()}</span>{' '}
                {f.databaseId ? <a href={href(`/databases/${f.databaseId}`)}>{f.text}</a> : f.text}
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
