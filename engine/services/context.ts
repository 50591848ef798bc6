import type { Logger } from 'pino';
import type { Limits } from '../domain';
import type { ClusterConnector, KubeconfigPolicy } from '../kube';
import type { Store } from '../store';
import type { EventBus } from './events';
import type { Vault } from '../vault';

/**
 * What every service needs, handed in by the composition root (engine.ts). Services depend on
 * ports only: the Store, the Vault and the cluster connector.
 */
export interface ServiceContext {
  store: Store;
  vault: Vault;
  clusters: ClusterConnector;
  logger: Logger;
  events: EventBus;
  limits: Limits;
  kubeconfigPolicy: KubeconfigPolicy;
  /** The current time (injected so that tests control it). */
  now: () => Date;
  /** A new unique id (a Kubernetes label value). */
  newId: () => string;
}

/** The time as API.md writes it. */
export function isoNow(context: Pick<ServiceContext, 'now'>): string {
  return context.now().toISOString();
}
