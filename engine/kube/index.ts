/**
 * Cluster access: kubeconfig import and guarding, one client per provider, health probes.
 * Services use these through the `ClusterConnector` port so tests can point them at simulators.
 */
import type { ProviderHealth } from '../domain';
import { ClusterClient } from './cluster-client';
import { probeCluster } from './probe';

export {
  ClusterClient,
  FIELD_MANAGER,
  type ApplyOptions,
  type ListOptions,
  type ListPage,
} from './cluster-client';
export { KubeApiError, KubeConflictError } from './http';
export {
  DAEMON_POLICY,
  DESKTOP_POLICY,
  importKubeconfig,
  listContexts,
  parseKubeconfig,
  type ImportedKubeconfig,
  type KubeContextSummary,
  type KubeconfigPolicy,
} from './kubeconfig';
export { probeCluster } from './probe';

/** Opens clients for providers from their (vault-held) kubeconfigs and caches them per provider. */
export interface ClusterConnector {
  client(providerId: string, kubeconfigYaml: string, label: string): ClusterClient;
  probe(
    client: ClusterClient,
    options?: { signal?: AbortSignal; catalog?: boolean; previous?: ProviderHealth },
  ): Promise<ProviderHealth>;
  forget(providerId: string): void;
  /** Requests sent to all clusters since start (for benchmarks and metrics). */
  requestsSent(): number;
}

/** The default connector: one client per provider, rebuilt when its kubeconfig changes. */
export function createClusterConnector(now: () => Date = () => new Date()): ClusterConnector {
  const clients = new Map<string, { yaml: string; client: ClusterClient }>();
  return {
    client(providerId, kubeconfigYaml, label) {
      const cached = clients.get(providerId);
      if (cached && cached.yaml === kubeconfigYaml) return cached.client;
      const client = new ClusterClient(kubeconfigYaml, label);
      clients.set(providerId, { yaml: kubeconfigYaml, client });
      return client;
    },
    probe: (client, options = {}) => probeCluster(client, now, options.signal, options),
    forget: (providerId) => {
      clients.delete(providerId);
    },
    requestsSent: () =>
      [...clients.values()].reduce((sum, entry) => sum + entry.client.http.requestsSent, 0),
  };
}
