import { useEffect, useState } from 'react';
import type { ApiClient, ManifestView } from '../../../api';
import { ErrorView, YamlView, show } from '../../../ui';

/** Desired (from the store) against live (from the cluster) KubeDB object, with the drift between them highlighted. */
export function ManifestPanel({
  client,
  databaseId,
  version,
}: {
  client: ApiClient;
  databaseId: string;
  version: string;
}) {
  const [view, setView] = useState<ManifestView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    client
      .request<ManifestView>('GET', `/api/v1/databases/${encodeURIComponent(databaseId)}/manifest`)
      .then((answer) => {
        if (!live) return;
        setView(answer);
        setError(null);
      })
      .catch((failure: unknown) => live && setError(failure));
    return () => {
      live = false;
    };
  }, [client, databaseId, version]);
  const driftPaths = view?.drift.map((d) => d.path) ?? [];
  return (
    <section className="panel" aria-labelledby="manifest-title">
      <h3 id="manifest-title">
        Manifest{' '}
        {view && view.drift.length > 0 ? (
          <span className="badge badge-warn" data-testid="manifest-drift">
            drift: {driftPaths.join(', ')}
          </span>
        ) : view ? (
          <span className="badge badge-ok">in sync</span>
        ) : null}
      </h3>
      <ErrorView error={error} />
      {view && view.drift.length > 0 && (
        <table className="simple" aria-label="Drift">
          <thead>
            <tr>
              <th>Field</th>
              <th>Desired</th>
              <th>Live</th>
            </tr>
          </thead>
          <tbody>
            {view.drift.map((d) => (
              <tr key={d.path}>
                <td>{d.path}</td>
                <td>{show(d.desired)}</td>
                <td>{show(d.live)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view && (
        <div className="manifests">
          <div>
            <h4>Desired</h4>
            <YamlView value={view.desired} driftPaths={driftPaths} label="Desired manifest" />
          </div>
          <div>
            <h4>Live</h4>
            {view.live ? (
              <YamlView value={view.live} driftPaths={driftPaths} label="Live manifest" />
            ) : (
              <p className="muted">Not on the cluster (yet).</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
