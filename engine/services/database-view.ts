import {
  unconfirmedCluster,
  withEffectiveStatus,
  type Database,
  type DatabaseStatusEvent,
  type Provider,
  type Unconfirmed,
} from '../domain';
import { expectedPods } from '../kubedb/status';
import { replicaRolesOf } from '../kubedb/replica-roles';
import type { DatabaseFilter, Page, PageRequest, Store } from '../store';

/** Store pages read at most to fill one filtered page; a short page then carries a cursor. */
const MAX_ROUNDS = 20;

/**
 * Ready/desired of the same thing: `desiredReplicas` counts every pod the topology runs, as
 * `readyReplicas` does, and `roles` splits both per role (shards, config servers, mongos, ES nodes).
 */
export function withReplicaCounts(database: Database): Database {
  return {
    ...database,
    desiredReplicas: expectedPods(database),
    roles: replicaRolesOf(database, database.readyByRole),
  };
}

/** A stored database as reads show it: effective status, and comparable replica counts. */
export function presentDatabase(database: Database, unconfirmed: Unconfirmed | null): Database {
  return withReplicaCounts(withEffectiveStatus(database, unconfirmed));
}

/** The `database.status` event of a database as reads show it. */
export function toDatabaseStatusEvent(stored: Database): DatabaseStatusEvent {
  const database = stored.desiredReplicas === undefined ? withReplicaCounts(stored) : stored;
  return {
    type: 'database.status',
    data: {
      id: database.id,
      name: database.name,
      domain: database.domain,
      project: database.project,
      providerId: database.providerId,
      status: database.status,
      phase: database.phase,
      readyReplicas: database.readyReplicas,
      desiredReplicas: database.desiredReplicas,
      roles: database.roles,
      statusReason: database.statusReason,
      driftCount: database.drift.length,
      updatedAt: database.updatedAt,
      lastKnownStatus: database.lastKnownStatus ?? database.status,
      statusObservedAt: database.statusObservedAt ?? null,
    },
  };
}

/** Why a provider's data is unconfirmed now, or null. */
export function unconfirmedProvider(provider: Provider | null): Unconfirmed | null {
  return provider ? unconfirmedCluster(provider.name, provider.health) : null;
}

/**
 * Databases as reads show them: the effective status derived from their cluster's health at the
 * time of the read (so it flips back by itself when the cluster returns).
 */
export class DatabaseViews {
  constructor(private readonly store: Store) {}

  async one(database: Database): Promise<Database> {
    const provider = await this.store.providers.find(database.providerId);
    return presentDatabase(database, unconfirmedProvider(provider));
  }

  async many(databases: readonly Database[]): Promise<Database[]> {
    const unconfirmed = await this.unconfirmedByProvider();
    return databases.map((db) => presentDatabase(db, unconfirmed.get(db.providerId) ?? null));
  }

  /**
   * A page of the store's list with effective statuses. A status filter is applied to the
   * effective status: `UNKNOWN` finds the databases of unconfirmed clusters, `RUNNING` leaves them
   * out. Then pages are read until the page is full (bounded; a short page keeps its cursor).
   */
  async list(filter: DatabaseFilter, page: PageRequest = {}): Promise<Page<Database>> {
    const unconfirmed = await this.unconfirmedByProvider();
    const present = (items: Database[]) =>
      items.map((db) => presentDatabase(db, unconfirmed.get(db.providerId) ?? null));
    if (filter.status !== undefined && unconfirmed.size > 0)
      return this.filtered(filter, page, present);
    if (filter.status !== undefined && wants(filter.status, 'UNKNOWN'))
      return this.listWithout(filter, page, present);
    const result = await this.store.databases.list(filter, page);
    return { items: present(result.items), nextCursor: result.nextCursor };
  }

  private async listWithout(
    filter: DatabaseFilter,
    page: PageRequest,
    present: (items: Database[]) => Database[],
  ): Promise<Page<Database>> {
    const statuses = asArray(filter.status).filter((s) => s !== 'UNKNOWN');
    if (statuses.length === 0) return { items: [], nextCursor: null };
    const result = await this.store.databases.list({ ...filter, status: statuses }, page);
    return { items: present(result.items), nextCursor: result.nextCursor };
  }

  private async filtered(
    filter: DatabaseFilter,
    page: PageRequest,
    present: (items: Database[]) => Database[],
  ): Promise<Page<Database>> {
    const wanted = new Set(asArray(filter.status));
    // UNKNOWN is never stored: ask the store for every status, and keep the effective ones wanted.
    const storeFilter: DatabaseFilter = wanted.has('UNKNOWN')
      ? { ...filter, status: undefined }
      : filter;
    const limit = page.limit ?? 50;
    const items: Database[] = [];
    let cursor = page.cursor ?? null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const result = await this.store.databases.list(storeFilter, {
        limit: limit - items.length,
        cursor,
      });
      items.push(...present(result.items).filter((db) => wanted.has(db.status)));
      cursor = result.nextCursor;
      if (!cursor || items.length >= limit) break;
    }
    return { items, nextCursor: cursor };
  }

  private async unconfirmedByProvider(): Promise<Map<string, Unconfirmed>> {
    const out = new Map<string, Unconfirmed>();
    let cursor: string | null = null;
    do {
      const page: Page<Provider> = await this.store.providers.list(undefined, {
        limit: 500,
        cursor,
      });
      for (const provider of page.items) {
        const unconfirmed = unconfirmedProvider(provider);
        if (unconfirmed) out.set(provider.id, unconfirmed);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
}

function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

function wants<T>(value: T | readonly T[], item: T): boolean {
  return asArray(value).includes(item);
}
