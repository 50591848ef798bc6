import { Emitter, type Disposable } from '../../base';
import { ENGINE_KINDS, type Engine } from '../../domain';
import { opsKind } from '../../kubedb/ops';
import {
  KUBEDB_API_VERSION,
  MANAGED_BY_LABEL,
  MANAGED_SELECTOR,
  OPS_API_VERSION,
  type KubeObject,
} from '../../kubedb/types';
import type { ClusterClient } from '../cluster-client';
import {
  WatchCache,
  type CacheEvent,
  type WatchCacheOptions,
  type WatchCacheStats,
} from '../watch-cache';
import { toCachedDatabase, toCachedOpsRequest, toCachedPod, type Projection } from './projections';

/** What one cache of a set watches. */
export interface WatchTarget {
  apiVersion: string;
  kind: string;
  labelSelector?: string;
  namespace?: string;
  /** What the cache keeps of each object (see `projections.ts`); the whole object when absent. */
  projection?: Projection;
}

/** An event of one cache of the set, naming that cache. */
export type CacheSetEvent = CacheEvent & { source: { apiVersion: string; kind: string } };

/** Options shared by every cache of a set (each target brings its own kind and selector). */
export type SharedCacheOptions = Omit<
  WatchCacheOptions,
  'client' | 'apiVersion' | 'kind' | 'namespace' | 'labelSelector' | 'projection'
>;

/**
 * KubeDB labels the pods it creates itself (`app.kubernetes.io/managed-by=kubedb.com`, with
 * `app.kubernetes.io/instance=<database>`); our own label is not copied onto them.
 */
export const KUBEDB_POD_SELECTOR = `${MANAGED_BY_LABEL}=kubedb.com`;

const ENGINES = Object.keys(ENGINE_KINDS) as Engine[];

/**
 * What the status-sync loop watches in every cluster: the six database kinds and their six
 * OpsRequest kinds carrying our label, and the pods KubeDB runs for databases — each kept as the
 * projection its readers need.
 */
export const KUBEDB_WATCH_TARGETS: readonly WatchTarget[] = [
  ...ENGINES.map((engine) => ({
    apiVersion: KUBEDB_API_VERSION,
    kind: ENGINE_KINDS[engine],
    labelSelector: MANAGED_SELECTOR,
    projection: toCachedDatabase,
  })),
  ...ENGINES.map((engine) => ({
    apiVersion: OPS_API_VERSION,
    kind: opsKind(engine),
    labelSelector: MANAGED_SELECTOR,
    projection: toCachedOpsRequest,
  })),
  { apiVersion: 'v1', kind: 'Pod', labelSelector: KUBEDB_POD_SELECTOR, projection: toCachedPod },
];

function targetKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/**
 * The caches of one cluster, started and disposed together, with one subscription for all of
 * them and a combined `synced`. Each cache keeps its own restart policy, so one kind failing (a
 * CRD not installed, a 403) does not hold the others back.
 */
export class WatchCacheSet implements Disposable {
  private readonly caches = new Map<string, WatchCache>();
  private readonly emitter = new Emitter<CacheSetEvent>();
  private readonly subscriptions: Disposable[] = [];

  constructor(
    client: ClusterClient,
    targets: readonly WatchTarget[],
    private readonly options: SharedCacheOptions = {},
  ) {
    for (const target of targets) {
      const key = targetKey(target.apiVersion, target.kind);
      if (this.caches.has(key)) throw new Error(`the watch cache set already watches ${key}`);
      const cache = new WatchCache({ ...options, ...target, client });
      const source = { apiVersion: target.apiVersion, kind: target.kind };
      this.subscriptions.push(cache.on((event) => this.emitter.emit({ ...event, source })));
      this.caches.set(key, cache);
    }
  }

  start(): void {
    for (const cache of this.caches.values()) cache.start();
  }

  /** True once every cache has completed its first list. */
  get synced(): boolean {
    for (const cache of this.caches.values()) if (!cache.synced) return false;
    return true;
  }

  cache(apiVersion: string, kind: string): WatchCache | undefined {
    return this.caches.get(targetKey(apiVersion, kind));
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    return this.cache(apiVersion, kind)?.get(namespace, name);
  }

  list(apiVersion: string, kind: string): KubeObject[] {
    return this.cache(apiVersion, kind)?.list() ?? [];
  }

  /** Subscribes to the events of every cache; a listener that throws does not disturb the others. */
  on(listener: (event: CacheSetEvent) => void): Disposable {
    return this.emitter.on((event) => {
      try {
        listener(event);
      } catch (error) {
        this.options.logger?.error(
          { err: error, kind: event.source.kind },
          'a watch cache set listener failed',
        );
      }
    });
  }

  /** Stats of every cache by `apiVersion/kind`. */
  stats(): Record<string, WatchCacheStats> {
    return Object.fromEntries([...this.caches].map(([key, cache]) => [key, cache.stats()]));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.caches.values()].map((cache) => cache.dispose()));
    for (const subscription of this.subscriptions.splice(0)) void subscription.dispose();
  }
}

/** The set of caches the status-sync loop needs for one cluster (`KUBEDB_WATCH_TARGETS`). */
export function createKubedbWatchCaches(
  client: ClusterClient,
  options: SharedCacheOptions = {},
): WatchCacheSet {
  return new WatchCacheSet(client, KUBEDB_WATCH_TARGETS, options);
}
