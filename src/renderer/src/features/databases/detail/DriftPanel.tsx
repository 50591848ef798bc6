import { useState } from 'react';
import type {
  ApiClient,
  Database,
  DatabaseDetailView,
  DriftEntry,
  DriftHistoryEntry,
  DriftPolicy,
} from '../../../api';
import { ErrorView, formatTime, show } from '../../../ui';

const POLICIES: Record<DriftPolicy, string> = {
  repair: 'repair: the engine puts the desired value back',
  notify: 'notify: the engine shows the change and waits',
  'adopt-live': 'adopt-live: the engine takes the live value into the desired state',
};

/** What the project's policy will do about one current difference. */
export function whatHappens(entry: DriftEntry, policy: DriftPolicy | null): string {
  if (entry.refused) return `Not repaired: ${entry.refused.reason}`;
  if (policy === 'repair') return 'Will be repaired: the desired value is put back.';
  if (policy === 'notify')
    return 'Shown only: change it back outside the console, or change the desired value here.';
  if (policy === 'adopt-live') return 'Will be adopted: the live value becomes the desired one.';
  return '—';
}

/** How a past difference ended, and by whom. */
export function howResolved(entry: DriftHistoryEntry): string {
  const by = entry.actor ? ` by ${entry.actor}` : '';
  const operation = entry.operationId ? ` (operation ${entry.operationId})` : '';
  if (entry.resolution === 'repaired') return `Repaired${by}${operation}`;
  if (entry.resolution === 'adopted')
    return `Adopted${by}${operation}: the live value became the desired one`;
  if (entry.resolution === 'refused') return `Refused: ${entry.reason ?? 'no reason given'}`;
  return 'Changed back outside the console';
}

/**
 * "Changed outside the console": the current drift of the database (what, desired against live,
 * since when and what the project's drift policy will do about it) and the history of drift that
 * was repaired, adopted, refused or changed back by hand. The screen keys it by database id; a
 * failed detail read shows its error here instead of another database's history.
 */
export function DriftPanel({
  database,
  detail,
  error,
  client,
}: {
  database: Pick<Database, 'id' | 'domain' | 'project' | 'drift'>;
  /** Partial: an engine older than the drift history (or its cached answer) sends neither. */
  detail: Partial<Pick<DatabaseDetailView, 'driftHistory' | 'driftPolicy'>> | null;
  error: unknown;
  client: ApiClient;
}) {
  const [policy, setPolicy] = useState<DriftPolicy | null>(null);
  const current = policy ?? detail?.driftPolicy?.policy ?? null;
  const history = [...(detail?.driftHistory ?? [])].reverse();
  return (
    <section className="panel" aria-labelledby="drift-title" data-testid="drift-panel">
      <h3 id="drift-title">
        Changed outside the console{' '}
        {database.drift.length > 0 ? (
          <span className="badge badge-warn">{database.drift.length} now</span>
        ) : (
          <span className="badge badge-ok">nothing now</span>
        )}
      </h3>
      {database.drift.length > 0 && (
        <table className="simple" aria-label="Current drift">
          <thead>
            <tr>
              <th>Field</th>
              <th>Desired</th>
              <th>Live</th>
              <th>Since</th>
              <th>What happens</th>
            </tr>
          </thead>
          <tbody>
            {database.drift.map((entry) => (
              <tr key={entry.path}>
                <td>{entry.path}</td>
                <td>{show(entry.desired)}</td>
                <td>{show(entry.live)}</td>
                <td>{formatTime(entry.firstSeenAt)}</td>
                <td>{whatHappens(entry, current)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail?.driftPolicy && (
        <DriftPolicyControl
          client={client}
          database={database}
          policy={current ?? 'repair'}
          canChange={detail.driftPolicy.canChange}
          onChanged={setPolicy}
        />
      )}
      <h4>History</h4>
      <ErrorView error={detail ? null : error} title="The drift history could not be read" />
      {!detail && !error && <p className="muted">Loading…</p>}
      {detail && history.length === 0 && (
        <p className="muted">Nothing was changed outside the console so far.</p>
      )}
      {history.length > 0 && (
        <table className="simple" aria-label="Drift history">
          <thead>
            <tr>
              <th>Field</th>
              <th>Desired</th>
              <th>Live</th>
              <th>Seen</th>
              <th>Resolved</th>
              <th>How</th>
            </tr>
          </thead>
          <tbody>
            {history.map((entry) => (
              <tr key={`${entry.path}|${entry.resolvedAt}|${entry.resolution}`}>
                <td>{entry.path}</td>
                <td>{show(entry.desired)}</td>
                <td>{show(entry.live)}</td>
                <td>{formatTime(entry.firstSeenAt)}</td>
                <td>{formatTime(entry.resolvedAt)}</td>
                <td>{howResolved(entry)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The project's drift policy; admins of the domain change it here (`PATCH` of the project). */
function DriftPolicyControl({
  client,
  database,
  policy,
  canChange,
  onChanged,
}: {
  client: ApiClient;
  database: Pick<Database, 'domain' | 'project'>;
  policy: DriftPolicy;
  canChange: boolean;
  onChanged: (policy: DriftPolicy) => void;
}) {
  const [chosen, setChosen] = useState<DriftPolicy>(policy);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const project = `${database.domain}/${database.project}`;
  if (!canChange)
    return (
      <p data-testid="drift-policy">
        Drift policy of project {project}: {POLICIES[policy]}.{' '}
        <span className="muted">Only admins of domain {database.domain} can change it.</span>
      </p>
    );
  const save = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const answer = await client.request<{ driftPolicy?: DriftPolicy }>(
        'PATCH',
        `/api/v1/domains/${encodeURIComponent(database.domain)}/projects/${encodeURIComponent(database.project)}`,
        { driftPolicy: chosen },
      );
      onChanged(answer.driftPolicy ?? chosen);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="drift-policy">
      <label>
        Drift policy of project {project}
        <select value={chosen} onChange={(e) => setChosen(e.target.value as DriftPolicy)}>
          {(Object.keys(POLICIES) as DriftPolicy[]).map((name) => (
            <option key={name} value={name}>
              {POLICIES[name]}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={() => void save()} disabled={busy || chosen === policy}>
        Save drift policy
      </button>
      <ErrorView error={error} title="The drift policy was not changed" />
    </div>
  );
}
