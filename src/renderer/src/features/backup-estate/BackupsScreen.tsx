import { useMemo } from 'react';
import { backupsApi, useClient } from '../../api';
import { useFleetStore, useToastStore } from '../../stores';
import { ErrorView, age, formatTime, useOfflineReason } from '../../ui';
import { DrillsPanel } from './DrillsPanel';
import { EstateMap } from './EstateMap';
import { OrphansPanel, UnprotectedPanel } from './EstateGaps';
import { useEstate } from './use-estate';

/**
 * The fleet's Backups page: the estate map (every cluster's KubeStash objects by the database they
 * protect), the unprotected databases, the orphans with their clean-up, and the restore drills.
 * Read again on backup events (at most every 30 s) and after every action. What could not be read
 * says so; what is shown from an earlier read says how old it is.
 */
export function BackupsScreen() {
  const client = useClient();
  const api = useMemo(() => backupsApi(client), [client]);
  const { estate, drills, reading, reload } = useEstate(client);
  const databases = useFleetStore((s) => s.databases);
  const providers = useFleetStore((s) => s.providers);
  const toast = useToastStore((s) => s.push);
  const offline = useOfflineReason();
  const estateStale = estate.value !== null && estate.error !== null;
  const value = estate.value;

  return (
    <section aria-labelledby="backups-page-title" data-testid="backups-page">
      <div className="screen-head">
        <h2 id="backups-page-title">Backups</h2>
        <div className="actions">
          {estate.readAt !== null && (
            <span className="muted" title={new Date(estate.readAt).toISOString()}>
              read {formatTime(new Date(estate.readAt).toISOString())}
            </span>
          )}
          <button type="button" onClick={() => void reload()} disabled={reading}>
            {reading ? 'Reading…' : 'Refresh'}
          </button>
        </div>
      </div>
      {value === null && estate.error === null && (
        <p className="muted" role="status">
          Reading the backup estate of every cluster…
        </p>
      )}
      {value === null && estate.error !== null && (
        <ErrorView error={estate.error} title="Could not read the backup estate" />
      )}
      {estateStale && (
        <div data-testid="estate-stale">
          <ErrorView
            error={estate.error}
            title={`Not current: could not read the backup estate again; showing what was read ${age(estate.readAt!)} ago`}
          />
        </div>
      )}
      {value && value.unreadable.length > 0 && (
        <div className="error-box" role="alert" data-testid="estate-unreadable">
          <strong>Not known:</strong> the backups of{' '}
          {value.unreadable.length === 1 ? 'one cluster' : `${value.unreadable.length} clusters`}{' '}
          could not be read, so their databases are in none of the lists below.
          <ul>
            {value.unreadable.map((u) => (
              <li key={u.providerId}>
                {providers.find((p) => p.id === u.providerId)?.name ?? u.providerId}: {u.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      {value && (
        <>
          <div className="grid2">
            <UnprotectedPanel unprotected={value.unprotected} />
            <OrphansPanel
              items={value.items}
              providers={providers}
              api={api}
              disabledReason={offline ?? (estateStale ? 'The estate shown is not current.' : null)}
              onCleaned={(deleted) => {
                toast(`${deleted.kind} ${deleted.name} deleted`, 'ok');
                void reload();
              }}
            />
          </div>
          <EstateMap items={value.items} databases={databases} providers={providers} />
        </>
      )}
      <DrillsPanel
        drills={drills.value}
        error={drills.error}
        stale={drills.value !== null && drills.error !== null}
        api={api}
        databases={databases}
        disabledReason={offline}
        onCreated={() => {
          toast('Restore drill created; its first run starts now', 'info');
          void reload();
        }}
      />
    </section>
  );
}
