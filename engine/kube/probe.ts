import { ENGINE_KINDS, type Engine, type ProviderHealth } from '../domain';
import { catalogKind } from '../kubedb/catalog';
import { CATALOG_API_VERSION } from '../kubedb/types';
import { isEngineError } from '../base/errors';
import type { ClusterClient } from './cluster-client';

/** The engine each KubeDB kind serves. */
const ENGINE_BY_KIND: Record<string, Engine> = Object.fromEntries(
  (Object.entries(ENGINE_KINDS) as [Engine, string][]).map(([engine, kind]) => [kind, engine]),
);

/**
 * A health check of one cluster: is it reachable (`/version`), is KubeDB installed (the
 * `kubedb.com/v1` group is served), which engines, and which catalog versions each offers (unless
 * `catalog: false`, which keeps the previous list: two requests instead of eight). An unreachable
 * cluster is a result, never an exception.
 */
export async function probeCluster(
  client: ClusterClient,
  now: () => Date,
  signal?: AbortSignal,
  options: { catalog?: boolean; previous?: ProviderHealth } = {},
): Promise<ProviderHealth> {
  const checkedAt = now().toISOString();
  try {
    await client.version(signal);
  } catch (error) {
    // What was last seen stays known (KubeDB, engines, when): an unreachable cluster is unknown,
    // not a cluster without KubeDB.
    return {
      reachable: false,
      kubedbInstalled: options.previous?.kubedbInstalled ?? false,
      engines: options.previous?.engines ?? [],
      ...(options.previous?.versions ? { versions: options.previous.versions } : {}),
      lastSeenAt: options.previous?.lastSeenAt ?? null,
      message: isEngineError(error) ? error.message : `cluster ${client.label} is unreachable`,
    };
  }
  try {
    const resources = await client.discover('kubedb.com', 'v1', signal);
    if (!resources) {
      return {
        reachable: true,
        kubedbInstalled: false,
        engines: [],
        lastSeenAt: checkedAt,
        message: 'KubeDB is not installed (no kubedb.com/v1 API)',
      };
    }
    const engines = [
      ...new Set(
        resources.map((r) => ENGINE_BY_KIND[r.kind]).filter((e): e is Engine => e !== undefined),
      ),
    ].sort();
    // Listing every catalog costs a request per engine: the periodic check keeps the last answer.
    if (options.catalog === false && options.previous?.versions) {
      return {
        reachable: true,
        kubedbInstalled: true,
        engines,
        versions: options.previous.versions,
        lastSeenAt: checkedAt,
        message: null,
      };
    }
    const versions: Partial<Record<Engine, string[]>> = {};
    for (const engine of engines) {
      const page = await client
        .listAll(CATALOG_API_VERSION, catalogKind(engine), { signal })
        .catch(() => null);
      if (page) versions[engine] = page.items.map((item) => item.metadata.name).sort();
    }
    return {
      reachable: true,
      kubedbInstalled: true,
      engines,
      versions,
      lastSeenAt: checkedAt,
      message: null,
    };
  } catch (error) {
    return {
      reachable: true,
      kubedbInstalled: false,
      engines: [],
      lastSeenAt: checkedAt,
      message: isEngineError(error) ? error.message : 'discovery failed',
    };
  }
}
