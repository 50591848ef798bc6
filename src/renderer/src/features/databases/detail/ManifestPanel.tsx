import type { ManifestView } from '../../../api';
import { ErrorView, YamlView, show } from '../../../ui';
import { sectionData, sectionError, type Section } from './use-database-detail';

/**
 * Desired (from the store) against live (from the cluster) KubeDB object, with the drift between
 * them highlighted. It shows only what the detail read of this database returned: while that read
 * is under way nothing, and when it failed (`error`, or the manifest part's own error) the error.
 */
export function ManifestPanel({
  section,
  error,
}: {
  section: Section<ManifestView>;
  error: unknown;
}) {
  const view = sectionData(section);
  const failure = error ?? sectionError(section);
  const driftPaths = view?.drift.map((d) => d.path) ?? [];
  return (
    <section className="panel" aria-labelledby="manifest-title" data-testid="manifest-panel">
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
      <ErrorView error={failure} title="The manifest could not be read" />
      {!view && !failure && <p className="muted">Loading…</p>}
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
