import { EngineError, ValidationError } from '../base/errors';
import type { Engine, Provider } from '../domain';
import type { Store } from '../store';

/** Every provider, read page by page. */
export async function allProviders(store: Store): Promise<Provider[]> {
  const providers: Provider[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.providers.list(undefined, { limit: 500, cursor });
    providers.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return providers;
}

/** Can this cluster host a database of `engine` (as of its last health check)? */
export function canHost(provider: Provider, engine: Engine): boolean {
  return (
    provider.health.reachable &&
    provider.health.kubedbInstalled &&
    provider.health.engines.includes(engine)
  );
}

/**
 * Chooses the cluster for a new database: the one named, or the healthy cluster with KubeDB and the
 * engine, in the requested region, with the fewest live databases (ties by name, so the choice is
 * stable).
 */
export async function chooseProvider(
  store: Store,
  request: { engine: Engine; providerId?: string; region?: string },
): Promise<Provider> {
  if (request.providerId) {
    const provider = await store.providers.find(request.providerId);
    if (!provider) {
      throw new ValidationError(`provider ${request.providerId} does not exist`, [
        {
          path: 'providerId',
          rule: 'exists',
          message: `providerId ${request.providerId} does not name a provider`,
        },
      ]);
    }
    if (request.region && provider.region !== request.region) {
      throw new EngineError(
        'UNPROCESSABLE',
        `provider ${provider.name} is not in region ${request.region}`,
        {
          details: [
            {
              path: 'region',
              rule: 'match',
              message: `region must match the provider's region (${provider.region ?? 'none'})`,
            },
          ],
        },
      );
    }
    return provider;
  }
  const candidates = (await allProviders(store)).filter(
    (provider) =>
      canHost(provider, request.engine) && (!request.region || provider.region === request.region),
  );
  if (candidates.length === 0) {
    const where = request.region ? ` in region ${request.region}` : '';
    throw new EngineError(
      'UNPROCESSABLE',
      `no healthy cluster with KubeDB and ${request.engine}${where} is registered`,
      {
        details: [
          {
            path: 'providerId',
            rule: 'placement',
            message: `no cluster can host ${request.engine}${where}`,
          },
        ],
      },
    );
  }
  const loads = await Promise.all(
    candidates.map(async (p) => ({ p, load: await store.databases.countActiveByProvider(p.id) })),
  );
  loads.sort((a, b) => a.load - b.load || a.p.name.localeCompare(b.p.name));
  return loads[0]!.p;
}
