/**
 * Cluster access: kubeconfig import and guarding, one client per provider, health probes.
 * Services use these through the `ClusterConnector` port so tests can point them at simulators.
 */
import type { ProviderHealth } from '../domain';
import type { ConnectionGuard } from './address-guard';
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
  guardKubeconfig,
  listContexts,
  toKubeConfig,
  type ImportedKubeconfig,
  type KubeContextSummary,
  type KubeconfigPolicy,
} from './kubeconfig';
export { probeCluster } from './probe';
export {
  openPortForward,
  resolveServiceTarget,
  type PortForwardHandle,
  type PortForwardOptions,
} from './port-forward';
export { checkServerUrl, createConnectionGuard, type ConnectionGuard } from './address-guard';

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

/**
 * The default connector: one client per provider, rebuilt when its kubeconfig changes. With a
 * `guard` (private addresses not allowed), every connection's address is checked as it opens.
 */
export function createClusterConnector(
  now: () => Date = () => new Date(),
  options: { guard?: ConnectionGuard } = {},
): ClusterConnector {
  const clients = new Map<string, { yaml: string; client: ClusterClient }>();
  return {
    client(providerId, kubeconfigYaml, label) {
      const cached = clients.get(providerId);
      if (cached && cached.yaml === kubeconfigYaml) return cached.client;
      const client = new ClusterClient(kubeconfigYaml, label, options.guard);
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
