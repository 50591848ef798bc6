import { ConflictError, EngineError, UnavailableError } from '../base/errors';
import {
  CreateProviderRequestSchema,
  UNKNOWN_PROVIDER_HEALTH,
  type Database,
  type Provider,
  type Unconfirmed,
  type ProviderHealth,
} from '../domain';
import {
  importKubeconfig,
  listContexts,
  type ClusterClient,
  type KubeContextSummary,
} from '../kube';
import type { Page, PageRequest } from '../store';
import type { SecretRef } from '../vault';
import { isoNow, type ServiceContext } from './context';
import { presentDatabase, toDatabaseStatusEvent, unconfirmedProvider } from './database-view';
import { parseInput } from './validation';

/** A provider as the API shows it: no vault reference, no kubeconfig. */
export type PublicProvider = Omit<Provider, 'vaultRef'>;

export function toPublicProvider(provider: Provider): PublicProvider {
  const { vaultRef: _vaultRef, ...rest } = provider;
  return rest;
}

/** The periodic health check lists the catalogs only every this many times (about every 10 minutes). */
const CATALOG_EVERY_N_REFRESHES = 10;

function kubeconfigRef(providerId: string): SecretRef {
  return { kind: 'kubeconfig', id: providerId };
}

/**
 * The registry of clusters. A kubeconfig is guarded, reduced to one context and kept in the vault;
 * the store keeps only the provider's name, server and health.
 */
export class ProviderService {
  private refreshes = 0;

  constructor(private readonly context: ServiceContext) {}

  /** Registers a cluster and checks its health once. Nothing is kept if any step fails. */
  async create(input: unknown): Promise<PublicProvider> {
    const request = parseInput(CreateProviderRequestSchema, input);
    const { store, vault } = this.context;
    if (await store.providers.findByName(request.name)) {
      throw new ConflictError(`a provider named ${request.name} already exists`);
    }
    const imported = await importKubeconfig(request.kubeconfig, {
      context: request.context,
      policy: this.context.kubeconfigPolicy,
    });
    const id = this.context.newId();
    const ref = kubeconfigRef(id);
    await vault.put(ref, imported.yaml);
    try {
      const health = await this.probe(id, imported.yaml, request.name);
      const now = isoNow(this.context);
      const provider = await store.providers.create({
        id,
        name: request.name,
        context: imported.context,
        region: request.region ?? null,
        labels: request.labels,
        server: imported.server,
        vaultRef: `${ref.kind}/${ref.id}`,
        health,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      });
      this.publish(provider);
      return toPublicProvider(provider);
    } catch (error) {
      await vault.delete(ref).catch(() => false);
      this.context.clusters.forget(id);
      throw error;
    }
  }

  async list(page?: PageRequest): Promise<Page<PublicProvider>> {
    const result = await this.context.store.providers.list(undefined, page);
    return { items: result.items.map(toPublicProvider), nextCursor: result.nextCursor };
  }

  async get(id: string): Promise<PublicProvider> {
    return toPublicProvider(await this.context.store.providers.get(id));
  }

  /** A fresh health check, stored and returned. The timer's checks skip the catalogs most times. */
  async test(id: string, options: { catalog?: boolean } = {}): Promise<PublicProvider> {
    const provider = await this.context.store.providers.get(id);
    const yaml = await this.context.vault.get(kubeconfigRef(id));
    const health = await this.probe(id, yaml, provider.name, {
      catalog: options.catalog ?? true,
      previous: provider.health,
    });
    return toPublicProvider(await this.saveHealth(provider, health));
  }

  /** Refreshes every provider's health (the timer); one unreachable cluster never stops the rest. */
  async refreshAll(signal?: AbortSignal): Promise<void> {
    // Registration and tests list the catalogs; the timer refreshes them every tenth time only.
    const catalog = ++this.refreshes % CATALOG_EVERY_N_REFRESHES === 0;
    let cursor: string | null = null;
    do {
      const page = await this.context.store.providers.list(undefined, { limit: 100, cursor });
      for (const provider of page.items) {
        if (signal?.aborted) return;
        try {
          await this.test(provider.id, { catalog });
        } catch (error) {
          this.context.logger.warn(
            { providerId: provider.id, err: error },
            'provider health refresh failed',
          );
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * The status sync's verdict on its watches: `unconfirmed` while they cannot confirm the
   * cluster's data (its databases then read UNKNOWN), null once they can. Writes only a change.
   */
  async setUnconfirmed(id: string, unconfirmed: Unconfirmed | null): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.context.store.providers.find(id);
      if (!current) return;
      if ((current.health.unconfirmed ?? null) === null && unconfirmed === null) return;
      if (
        current.health.unconfirmed &&
        unconfirmed &&
        current.health.unconfirmed.reason === unconfirmed.reason
      )
        return;
      try {
        const saved = await this.context.store.providers.update({
          ...current,
          health: { ...current.health, unconfirmed },
          updatedAt: isoNow(this.context),
        });
        this.publish(saved);
        if (confirmationChanged(current, saved)) await this.publishDatabasesOf(saved);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }

  /** Removes a cluster from the registry; refused while databases live on it. */
  async remove(id: string): Promise<void> {
    const { store, vault } = this.context;
    const active = await store.databases.countActiveByProvider(id);
    if (active > 0) {
      throw new ConflictError(
        `the provider still has ${active} database(s); delete or move them first`,
      );
    }
    const provider = await store.providers.get(id);
    await store.providers.delete(id);
    await vault.delete(kubeconfigRef(id));
    this.context.clusters.forget(id);
    this.publish({
      ...provider,
      health: { ...provider.health, reachable: false, message: 'removed' },
    });
  }

  /** A client for a provider's cluster, from its vault-held kubeconfig. */
  async clientFor(provider: Provider): Promise<ClusterClient> {
    let yaml: string;
    try {
      yaml = await this.context.vault.get(kubeconfigRef(provider.id));
    } catch (error) {
      if (error instanceof EngineError && error.code === 'NOT_FOUND') {
        throw new UnavailableError(
          `the kubeconfig of provider ${provider.name} is missing from the vault`,
          error,
        );
      }
      throw error;
    }
    return this.context.clusters.client(provider.id, yaml, provider.name);
  }

  /**
   * The contexts of a kubeconfig the user pastes or picks, to choose one for import. The same guard
   * as registration runs, so a refusal comes before "Add", not after; each context carries the
   * problem that would refuse it.
   */
  listContexts(kubeconfig: string): Promise<KubeContextSummary[]> {
    return listContexts(kubeconfig, this.context.kubeconfigPolicy);
  }

  private publish(provider: Provider): void {
    this.context.events.publish({
      type: 'provider.health',
      data: { id: provider.id, name: provider.name, health: provider.health },
    });
  }

  /**
   * A cluster became unconfirmed or confirmed again: the status of every database on it reads
   * differently now (UNKNOWN, or the last known one), so live views are told.
   */
  private async publishDatabasesOf(provider: Provider): Promise<void> {
    const unconfirmed = unconfirmedProvider(provider);
    let cursor: string | null = null;
    do {
      const page: Page<Database> = await this.context.store.databases.list(
        { providerId: provider.id },
        { limit: 500, cursor },
      );
      for (const database of page.items) {
        this.context.events.publish(toDatabaseStatusEvent(presentDatabase(database, unconfirmed)));
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async probe(
    id: string,
    yaml: string,
    label: string,
    options: { catalog?: boolean; previous?: ProviderHealth } = {},
  ): Promise<ProviderHealth> {
    const client = this.context.clusters.client(id, yaml, label);
    try {
      return await this.context.clusters.probe(client, options);
    } catch {
      return { ...UNKNOWN_PROVIDER_HEALTH, message: `cluster ${label} could not be checked` };
    }
  }

  private async saveHealth(provider: Provider, health: ProviderHealth): Promise<Provider> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current =
        attempt === 0 ? provider : await this.context.store.providers.get(provider.id);
      try {
        const saved = await this.context.store.providers.update({
          ...current,
          // The probe does not know what the status sync found of the watches: keep it.
          health: current.health.unconfirmed
            ? { ...health, unconfirmed: current.health.unconfirmed }
            : health,
          updatedAt: isoNow(this.context),
        });
        if (healthChanged(current.health, health)) this.publish(saved);
        if (confirmationChanged(current, saved)) await this.publishDatabasesOf(saved);
        return saved;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new ConflictError(
      `provider ${provider.name} changed while its health was saved; try again`,
    );
  }
}

/** Whether the cluster's data went from confirmed to unconfirmed, or back. */
function confirmationChanged(before: Provider, after: Provider): boolean {
  return (unconfirmedProvider(before) === null) !== (unconfirmedProvider(after) === null);
}

/** Whether a health check found something new (not just a later `lastSeenAt`). */
function healthChanged(before: ProviderHealth, after: ProviderHealth): boolean {
  const strip = ({ lastSeenAt: _seen, ...rest }: ProviderHealth) => JSON.stringify(rest);
  return strip(before) !== strip(after);
}
