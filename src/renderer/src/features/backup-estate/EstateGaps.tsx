import { useState } from 'react';
import type {
  BackupCleanupResponse,
  BackupEstateResponse,
  BackupsApi,
  EstateObject,
  PublicProvider,
} from '../../api';
import { EmptyState, ErrorView, Modal, formatTime, href } from '../../ui';

const STATE_TEXT: Record<BackupEstateResponse['unprotected'][number]['state'], string> = {
  unconfigured: 'no backup policy',
  'never-succeeded': 'never backed up successfully',
  overdue: 'overdue',
};

/** Databases with no backup, none that succeeded, or one older than their schedule allows. */
export function UnprotectedPanel({
  unprotected,
}: {
  unprotected: BackupEstateResponse['unprotected'];
}) {
  return (
    <section className="panel" aria-labelledby="unprotected-title" data-testid="unprotected">
      <h3 id="unprotected-title">Unprotected databases</h3>
      {unprotected.length === 0 ? (
        <p className="status-ok">Every database has a recent successful backup.</p>
      ) : (
        <table className="simple" aria-label="Unprotected databases">
          <thead>
            <tr>
              <th>Database</th>
              <th>State</th>
              <th>Why</th>
              <th>Newest backup</th>
            </tr>
          </thead>
          <tbody>
            {unprotected.map((u) => (
              <tr key={u.databaseId} data-testid={`unprotected-${u.databaseId}`}>
                <td>
                  <a href={href(`/databases/${u.databaseId}`)}>{u.name}</a>
                </td>
                <td>
                  <span
                    className={`badge ${u.state === 'unconfigured' ? 'badge-muted' : 'badge-error'}`}
                    data-state={u.state}
                  >
                    {STATE_TEXT[u.state]}
                  </span>
                </td>
                <td>{u.reason}</td>
                <td>{formatTime(u.newestBackupAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Cleanable = EstateObject & { kind: 'Snapshot' | 'Repository'; orphan: string };

function cleanable(item: EstateObject): item is Cleanable {
  return !!item.orphan && (item.kind === 'Snapshot' || item.kind === 'Repository');
}

/**
 * Orphans (snapshots of a database that is gone, repositories no configuration writes to), each
 * with "Clean up": a dry run shows what would be deleted, then a confirmation deletes it.
 */
export function OrphansPanel({
  items,
  providers,
  api,
  disabledReason,
  onCleaned,
}: {
  items: readonly EstateObject[];
  providers: readonly PublicProvider[];
  api: BackupsApi;
  disabledReason: string | null;
  onCleaned: (deleted: EstateObject) => void;
}) {
  const [target, setTarget] = useState<Cleanable | null>(null);
  const orphans = items.filter((i) => i.orphan);
  const clusterName = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  return (
    <section className="panel" aria-labelledby="orphans-title" data-testid="orphans">
      <h3 id="orphans-title">Orphans</h3>
      {orphans.length === 0 ? (
        <EmptyState title="No orphans">
          Every snapshot belongs to a database and every repository is written to.
        </EmptyState>
      ) : (
        <table className="simple" aria-label="Orphans">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Name</th>
              <th>Cluster / namespace</th>
              <th>Why</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orphans.map((o) => (
              <tr key={`${o.providerId}/${o.namespace}/${o.kind}/${o.name}`}>
                <td>{o.kind}</td>
                <td className="wrap">{o.name}</td>
                <td>
                  {clusterName(o.providerId)} / {o.namespace}
                </td>
                <td>{o.orphan}</td>
                <td>
                  {cleanable(o) ? (
                    <button
                      type="button"
                      aria-label={`Clean up ${o.kind} ${o.name}`}
                      disabled={disabledReason !== null}
                      title={disabledReason ?? undefined}
                      onClick={() => setTarget(o)}
                    >
                      Clean up
                    </button>
                  ) : (
                    <span className="muted">delete it on the cluster</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {target && (
        <CleanupDialog
          target={target}
          cluster={clusterName(target.providerId)}
          api={api}
          onClose={() => setTarget(null)}
          onDeleted={(deleted) => {
            setTarget(null);
            onCleaned(deleted);
          }}
        />
      )}
    </section>
  );
}

function CleanupDialog({
  target,
  cluster,
  api,
  onClose,
  onDeleted,
}: {
  target: Cleanable;
  cluster: string;
  api: BackupsApi;
  onClose: () => void;
  onDeleted: (deleted: EstateObject) => void;
}) {
  const [preview, setPreview] = useState<BackupCleanupResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const body = {
    providerId: target.providerId,
    namespace: target.namespace,
    kind: target.kind,
    name: target.name,
  };
  const call = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.cleanup(body, dryRun);
      if (dryRun) setPreview(answer);
      else onDeleted(answer.deleted);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Clean up ${target.kind} ${target.name}`} onClose={onClose}>
      <p>
        {target.kind} <strong>{target.name}</strong> in {cluster} / {target.namespace}:{' '}
        {target.orphan}.
      </p>
      {!preview && (
        <button type="button" disabled={busy} onClick={() => void call(true)}>
          {busy ? 'Checking…' : 'Preview'}
        </button>
      )}
      {preview && (
        <>
          <p data-testid="cleanup-preview">
            The engine checked it is still an orphan and would delete {preview.deleted.kind}{' '}
            {preview.deleted.namespace}/{preview.deleted.name} from the cluster.
          </p>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void call(false)}>
              {busy ? 'Deleting…' : `Delete ${target.kind} ${target.name}`}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
      <ErrorView error={error} title="Not cleaned up" />
    </Modal>
  );
}
