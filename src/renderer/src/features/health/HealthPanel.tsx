import { useEffect } from 'react';
import type { ApiClient } from '../../api';
import { useHealthStore } from './health-store';

/** Shows whether the engine answers and is ready, with a way to check again. */
export function HealthPanel({ client }: { client: ApiClient }) {
  const { health, readiness, error, loading, refresh } = useHealthStore();

  useEffect(() => {
    void refresh(client);
  }, [client, refresh]);

  return (
    <section aria-labelledby="health-title" className="panel">
      <h2 id="health-title">Engine</h2>
      {error ? (
        <p role="alert" className="status status-error" data-testid="engine-status">
          Unreachable: {error}
        </p>
      ) : health ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="engine-status" className="status status-ok">
            {health.status === 'ok' ? 'Healthy' : health.status}
          </dd>
          <dt>Ready</dt>
          <dd data-testid="engine-ready">{readiness?.ready ? 'Ready' : 'Not ready'}</dd>
          <dt>Role</dt>
          <dd>{readiness?.role ?? '—'}</dd>
          <dt>Version</dt>
          <dd>{health.version}</dd>
          <dt>Mode</dt>
          <dd>{health.mode === 'desktop' ? 'Embedded engine' : 'Server daemon'}</dd>
          <dt>Connection</dt>
          <dd>{client.transport === 'ipc' ? 'IPC (desktop)' : 'HTTP'}</dd>
        </dl>
      ) : (
        <p data-testid="engine-status">Checking…</p>
      )}
      <button type="button" onClick={() => void refresh(client)} disabled={loading}>
        Check again
      </button>
    </section>
  );
}
