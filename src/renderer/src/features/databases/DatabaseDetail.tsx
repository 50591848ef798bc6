import { lazy, Suspense } from 'react';
import { useClient, type ChangeResponse, type Database } from '../../api';
import { useFleetStore, useToastStore } from '../../stores';
import {
  CopyButton,
  DatabaseStatusBadge,
  EmptyState,
  ErrorView,
  formatTime,
  href,
  rolesText,
  useOfflineReason,
} from '../../ui';
import { phaseWhy, versionText } from '../../model/progress';
import { BackupsTab } from '../backups/BackupsTab';
import { ActionsBar } from './detail/ActionsBar';
import { CredentialsPanel } from './detail/CredentialsPanel';
import { DriftPanel } from './detail/DriftPanel';
import { EventsPanel } from './detail/EventsPanel';
import { ManifestPanel } from './detail/ManifestPanel';
import { OperationsPanel } from './detail/OperationsPanel';
import { SettingsPanel } from './detail/SettingsPanel';
import { detailVersion, useDatabaseDetail } from './detail/use-database-detail';

// recharts loads with the first detail page, not with the console.
const MetricsPanel = lazy(() =>
  import('./detail/MetricsPanel').then((m) => ({ default: m.MetricsPanel })),
);

const SCHEMES: Record<string, string> = {
  postgres: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  mongodb: 'mongodb',
  redis: 'redis',
  elasticsearch: 'https',
};

/** A connection string without secrets, for copying before credentials are revealed. */
export function publicConnectionString(
  database: Pick<Database, 'engine' | 'endpoint'>,
): string | null {
  if (!database.endpoint) return null;
  return `${SCHEMES[database.engine] ?? database.engine}://${database.endpoint.host}:${database.endpoint.port}`;
}

/**
 * One database: status, conditions, endpoint, credentials, metrics, operations, events, manifest,
 * actions. Everything below is keyed by the database's id, so that navigating to another database
 * starts from nothing: no panel can show the previous database's data, even when a read fails.
 */
export function DatabaseDetail({ id }: { id: string }) {
  return <DatabaseDetailScreen key={id} id={id} />;
}

function DatabaseDetailScreen({ id }: { id: string }) {
  const client = useClient();
  const database = useFleetStore((s) => s.databases.get(id));
  const provider = useFleetStore((s) => s.providers.find((p) => p.id === database?.providerId));
  const active = useFleetStore((s) =>
    database?.activeOperationId ? s.operations.get(database.activeOperationId) : undefined,
  );
  const toast = useToastStore((s) => s.push);
  const offline = useOfflineReason();
  const version = detailVersion(database);
  // The screen's one read: database, operations, manifest, events and metrics together.
  const { detail, error } = useDatabaseDetail(client, id, version);

  if (!database) {
    return (
      <>
        <ErrorView error={error} title="This database could not be read" />
        <EmptyState title="This database is not known (any more)">
          Go back to <a href={href('/databases')}>Databases</a>.
        </EmptyState>
      </>
    );
  }
  const gone = database.status === 'DELETED' || database.status === 'DELETING';
  const clusterReason =
    provider && !provider.health.reachable
      ? `Cluster ${provider.name} is unreachable: ${provider.health.message ?? ''}`
      : null;
  const disabledReason =
    offline ?? clusterReason ?? (gone ? `The database is ${database.status.toLowerCase()}.` : null);
  const connection = publicConnectionString(database);
  const applied = (answer: ChangeResponse, what: string): void => {
    const fleet = useFleetStore.getState();
    fleet.upsertDatabase(answer.database);
    for (const op of [answer.operation, ...(answer.operations ?? [])]) fleet.upsertOperation(op);
    toast(`${what} of ${database.name} queued`, 'info');
  };

  return (
    <section aria-labelledby="detail-title" className="detail">
      <div className="screen-head">
        <h2 id="detail-title">
          {database.name} <DatabaseStatusBadge database={database} testId="detail-status" />{' '}
          {database.drift.length > 0 && (
            <span className="badge badge-warn" data-testid="drift-badge">
              drift: {database.drift.map((d) => d.path).join(', ')}
            </span>
          )}
        </h2>
        <a href={href('/databases')}>All databases</a>
      </div>
      <ActionsBar database={database} client={client} disabledReason={disabledReason} />
      <div className="grid2">
        <section className="panel" aria-labelledby="overview-title">
          <h3 id="overview-title">Overview</h3>
          <dl className="facts">
            <dt>Engine</dt>
            <dd data-testid="detail-engine">
              {database.engine} {versionText(database)} ({database.mode})
            </dd>
            <dt>KubeDB phase</dt>
            <dd data-testid="detail-phase">{database.phase || '—'}</dd>
            <dt>Why</dt>
            <dd data-testid="detail-why">{phaseWhy(database, active ?? null) ?? '—'}</dd>
            <dt>Replicas</dt>
            <dd data-testid="detail-replicas">
              {database.readyReplicas} ready of {database.desiredReplicas ?? database.replicas}
              {database.roles && database.roles.length > 0 && (
                <span className="muted" data-testid="detail-roles">
                  {' '}
                  ({rolesText(database)})
                </span>
              )}
            </dd>
            <dt>Resources</dt>
            <dd>
              {database.resources.cpu} CPU, {database.resources.memory} memory,{' '}
              {database.storage.size} storage
            </dd>
            <dt>Cluster</dt>
            <dd>
              {provider ? <a href={href('/clusters')}>{provider.name}</a> : database.providerId}
            </dd>
            <dt>Namespace</dt>
            <dd>{database.namespace}</dd>
            <dt>Endpoint</dt>
            <dd>
              {database.endpoint
                ? `${database.endpoint.host}:${database.endpoint.port}`
                : 'not yet'}
            </dd>
            <dt>Connection</dt>
            <dd>
              {connection ? (
                <>
                  <code>{connection}</code>{' '}
                  <CopyButton text={connection} label="Copy connection string" />
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Last synced</dt>
            <dd>{formatTime(database.lastSyncedAt)}</dd>
          </dl>
          <h4>Conditions</h4>
          {database.conditions.length === 0 ? (
            <p className="muted">None reported yet.</p>
          ) : (
            <table className="simple" aria-label="Conditions">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Reason</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {database.conditions.map((c) => (
                  <tr key={c.type}>
                    <td>{c.type}</td>
                    <td>{c.status}</td>
                    <td>{c.reason ?? ''}</td>
                    <td>{c.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <CredentialsPanel
          client={client}
          databaseId={database.id}
          disabledReason={disabledReason}
        />
      </div>
      <DriftPanel
        key={`drift-${database.id}`}
        database={database}
        detail={detail}
        error={error}
        client={client}
      />
      <SettingsPanel
        key={`settings-${database.id}`}
        database={database}
        client={client}
        disabledReason={disabledReason}
        onApplied={applied}
      />
      <BackupsTab
        key={`backups-${database.id}`}
        database={database}
        client={client}
        disabledReason={disabledReason}
      />
      <OperationsPanel databaseId={database.id} />
      <Suspense fallback={<p>Loading charts…</p>}>
        <MetricsPanel
          client={client}
          databaseId={database.id}
          lastHour={detail?.metrics ?? null}
          error={error}
        />
      </Suspense>
      <ManifestPanel section={detail?.manifest ?? null} error={error} />
      <EventsPanel databaseId={database.id} section={detail?.events ?? null} error={error} />
    </section>
  );
}
