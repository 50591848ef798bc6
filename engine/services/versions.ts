import { isEngineError } from '../base/errors';
import { ENGINES, type Engine } from '../domain';
import { catalogKind, toCatalogVersions, type CatalogVersion } from '../kubedb/catalog';
import { CATALOG_API_VERSION } from '../kubedb/types';
import type { ServiceContext } from './context';
import { allProviders, canHost } from './placement';
import type { ProviderService } from './providers';

/** One catalog version across the fleet, with the clusters that offer it. */
export interface FleetVersion extends CatalogVersion {
  providerIds: string[];
}

/**
 * `GET /versions`: the KubeDB catalog objects of the clusters, with upgrade targets computed from
 * their update constraints. Clusters that cannot be reached are left out (and logged).
 */
export class VersionService {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
  ) {}

  async list(filter: { engine?: Engine; providerId?: string } = {}): Promise<FleetVersion[]> {
    const engines = filter.engine ? [filter.engine] : [...ENGINES];
    const targets = filter.providerId
      ? [await this.context.store.providers.get(filter.providerId)]
      : (await allProviders(this.context.store)).filter(
          (p) => p.health.reachable && p.health.kubedbInstalled,
        );
    const merged = new Map<string, FleetVersion>();
    for (const provider of targets) {
      const client = await this.providers.clientFor(provider);
      for (const engine of engines) {
        if (!filter.providerId && !canHost(provider, engine)) continue;
        let versions: CatalogVersion[];
        try {
          versions = toCatalogVersions(
            (await client.listAll(CATALOG_API_VERSION, catalogKind(engine))).items,
          );
        } catch (error) {
          if (filter.providerId || !isEngineError(error)) throw error;
          this.context.logger.warn({ providerId: provider.id, err: error }, 'catalog unavailable');
          continue;
        }
        for (const version of versions) {
          const key = `${version.engine}/${version.version}`;
          const existing = merged.get(key);
          if (existing) {
            existing.providerIds.push(provider.id);
            existing.deprecated ||= version.deprecated;
            existing.upgradeTargets = existing.upgradeTargets.filter((t) =>
              version.upgradeTargets.includes(t),
            );
          } else {
            merged.set(key, { ...version, providerIds: [provider.id] });
          }
        }
      }
    }
    return [...merged.values()].sort(
      (a, b) =>
        a.engine.localeCompare(b.engine) ||
        a.version.localeCompare(b.version, undefined, { numeric: true }),
    );
  }
}
