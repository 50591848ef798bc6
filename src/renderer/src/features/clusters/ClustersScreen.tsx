import { useMemo, useState } from 'react';
import { createLocalKubeconfigClient, useClient, type PublicProvider } from '../../api';
import { useFleetStore, useToastStore } from '../../stores';
import {
  EmptyState,
  ErrorView,
  Modal,
  StatusBadge,
  formatTime,
  kubedbText,
  useOfflineReason,
} from '../../ui';
import { AddClusterForm } from './AddClusterForm';

/** The registered clusters with their health, KubeDB presence and engines; add, test, remove. */
export function ClustersScreen() {
  const client = useClient();
  const localKubeconfig = useMemo(() => createLocalKubeconfigClient(window.dbaas), []);
  const providers = useFleetStore((s) => s.providers);
  const databases = useFleetStore((s) => s.databases);
  const { upsertProvider, removeProvider } = useFleetStore.getState();
  const toast = useToastStore((s) => s.push);
  const offline = useOfflineReason();
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<PublicProvider | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const counts = new Map<string, number>();
  for (const db of databases.values())
    if (db.status !== 'DELETED') counts.set(db.providerId, (counts.get(db.providerId) ?? 0) + 1);

  const test = async (provider: PublicProvider): Promise<void> => {
    setBusy(provider.id);
    setError(null);
    try {
      const answer = await client.request<PublicProvider>(
        'POST',
        `/api/v1/providers/${provider.id}/test`,
      );
      upsertProvider({ ...provider, ...answer });
      toast(
        `${provider.name}: ${answer.health.reachable ? 'reachable' : 'unreachable'}`,
        answer.health.reachable ? 'ok' : 'error',
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  };
  const remove = async (provider: PublicProvider): Promise<void> => {
    setError(null);
    try {
      await client.request('DELETE', `/api/v1/providers/${provider.id}`);
      removeProvider(provider.id);
      toast(`Cluster ${provider.name} removed`, 'ok');
    } catch (failure) {
      setError(failure);
    } finally {
      setRemoving(null);
    }
  };

  return (
    <section aria-labelledby="clusters-title">
      <h2 id="clusters-title">Clusters</h2>
      <ErrorView error={error} />
      {providers.length === 0 ? (
        <EmptyState title="No clusters yet">
          Paste or upload a kubeconfig below to connect the first Kubernetes cluster with KubeDB.
        </EmptyState>
      ) : (
        <table className="simple" aria-label="Clusters" data-testid="clusters-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Health</th>
              <th>KubeDB</th>
              <th>Engines</th>
              <th>Databases</th>
              <th>Server</th>
              <th>Last seen</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((p) => (
              <tr key={p.id} data-testid={`cluster-${p.name}`}>
                <td>
                  {p.name}
                  {p.region ? <span className="muted"> ({p.region})</span> : null}
                </td>
                <td>
                  <StatusBadge
                    status={p.health.reachable ? 'reachable' : 'unreachable'}
                    testId={`cluster-health-${p.name}`}
                  />{' '}
                  {!p.health.reachable && <span className="muted">{p.health.message ?? ''}</span>}
                  {p.health.reachable && p.health.unconfirmed && (
                    <>
                      <StatusBadge status="unconfirmed" testId={`cluster-unconfirmed-${p.name}`} />{' '}
                      <span className="muted">{p.health.unconfirmed.reason}</span>
                    </>
                  )}
                </td>
                <td>{kubedbText(p.health, 'installed')}</td>
                <td>{p.health.engines.join(', ') || '—'}</td>
                <td>{counts.get(p.id) ?? 0}</td>
                <td className="muted">{p.server}</td>
                <td>{formatTime(p.health.lastSeenAt)}</td>
                <td className="buttons">
                  <button
                    type="button"
                    className="small"
                    onClick={() => void test(p)}
                    disabled={busy === p.id || offline !== null}
                    aria-label={`Test ${p.name}`}
                  >
                    Test
                  </button>
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => setRemoving(p)}
                    disabled={offline !== null}
                    aria-label={`Remove ${p.name}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddClusterForm
        client={client}
        localKubeconfig={localKubeconfig}
        disabledReason={offline}
        onAdded={(p) => {
          upsertProvider(p);
          toast(`Cluster ${p.name} added`, 'ok');
        }}
      />
      {removing && (
        <Modal title={`Remove ${removing.name}`} onClose={() => setRemoving(null)}>
          <p>
            Forgets the cluster and deletes its kubeconfig from the vault. Nothing on the cluster
            changes. The engine refuses while databases live on it ({counts.get(removing.id) ?? 0}{' '}
            now).
          </p>
          <div className="buttons">
            <button type="button" className="danger" onClick={() => void remove(removing)}>
              Remove {removing.name}
            </button>
            <button type="button" onClick={() => setRemoving(null)}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
