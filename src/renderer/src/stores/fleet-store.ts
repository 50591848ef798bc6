import { create } from 'zustand';
import {
  ApiError,
  type ApiClient,
  type Database,
  type DatabaseStatusEventData,
  type ListResponse,
  type Operation,
  type OperationProgressEventData,
  type ProviderHealthEventData,
  type PublicProvider,
} from '../api';
import type { BridgeEvent } from '../../../shared/ipc';
import {
  applyDatabaseStatus,
  applyOperationProgress,
  applyProviderHealth,
  isFinished,
} from './fleet-events';
import { loadSnapshot, saveSnapshot, type SnapshotStorage } from './fleet-cache';

/** One line of the "last events" feed. */
export interface FeedItem {
  at: number;
  kind: string;
  text: string;
  databaseId?: string;
}

export interface FleetState {
  databases: Map<string, Database>;
  /** True once the first page arrived (or a snapshot was restored). */
  databasesLoaded: boolean;
  /** True while further pages are still being fetched. */
  databasesPaging: boolean;
  providers: PublicProvider[];
  providersLoaded: boolean;
  operations: Map<string, Operation>;
  feed: FeedItem[];
  /** False while the API cannot be reached; what is shown is then the last known data. */
  online: boolean;
  /** When the shown data last came from the API (ms since epoch), or from the restored snapshot. */
  syncedAt: number | null;
  /**
   * Set while the desktop's main answers from its offline cache because the engine, a cluster or
   * the shared store cannot answer: when that data was current, and why it is not fresh.
   */
  stale: { since: number; reason: string } | null;
  loadError: Error | null;
  loadDatabases: (client: ApiClient) => Promise<void>;
  loadProviders: (client: ApiClient) => Promise<void>;
  loadOperations: (client: ApiClient) => Promise<void>;
  /**
   * Re-reads these databases in batched requests (`?ids=`, 100 a request); those not returned are
   * gone (or out of sight) and are forgotten. Rejects with the API's error (e.g. a 429), so that
   * the caller can try again later.
   */
  refreshDatabases: (client: ApiClient, ids: readonly string[]) => Promise<void>;
  forgetDatabase: (id: string) => void;
  upsertDatabase: (database: Database) => void;
  upsertOperation: (operation: Operation) => void;
  upsertProvider: (provider: PublicProvider) => void;
  removeProvider: (id: string) => void;
  /**
   * Applies an engine event. Returns the operation when this event finished it, and the id of a
   * database to re-read when the event alone cannot tell its new state (unknown, or drift changed).
   */
  applyEvent: (event: BridgeEvent) => { finished?: Operation; refresh?: string };
  /** Records whether the last call reached the API. */
  reachable: (ok: boolean) => void;
  /** Records main's freshness marker of the last answer: stale (with its age and reason) or fresh. */
  markStale: (stale: { since: string; reason: string } | null) => void;
  /** Restores the last saved snapshot (offline start). */
  restore: () => void;
  persist: () => void;
}

const PAGE = 500;
/** At most 100: larger pages count as bulk reads against the rate limit. */
const FIRST_PAGE = 100;
const FEED_MAX = 50;
/** Databases re-read in one request (the engine's `?ids=` maximum). */
const BATCH = 100;
/** While pages arrive, the table is re-rendered at most this often. */
const PUBLISH_EVERY_MS = 300;
const PERSIST_DELAY_MS = 3000;

/** True when an error means "no answer" rather than an answer we did not like. */
export function isUnreachable(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status === 502 || error.status === 504;
}

/** How long to wait after a 429 before asking for the same page again, and how often. */
const THROTTLE_WAIT_MS = 5000;
const THROTTLE_TRIES = 12;

/**
 * Reads every page of a list. The first page is small (an ordinary read, shown at once); the rest
 * are 500 at a time, which the engine counts as bulk reads: a 429 waits and asks again.
 */
async function fetchAll<T>(
  client: ApiClient,
  base: string,
  onPage: (items: T[], done: boolean) => void,
): Promise<void> {
  let cursor: string | null = null;
  let first = true;
  const join = base.includes('?') ? '&' : '?';
  do {
    const url: string = `${base}${join}limit=${first ? FIRST_PAGE : PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    let page: ListResponse<T> | null = null;
    for (let attempt = 1; page === null; attempt++) {
      try {
        page = await client.request<ListResponse<T>>('GET', url);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 429 || attempt >= THROTTLE_TRIES)
          throw error;
        await new Promise((done) => setTimeout(done, THROTTLE_WAIT_MS));
      }
    }
    first = false;
    cursor = page.nextCursor;
    onPage(page.items, cursor === null);
  } while (cursor);
}

/** Builds the fleet store; the app uses `useFleetStore`, tests build their own with their storage. */
export function createFleetStore(
  storage: SnapshotStorage | null = typeof localStorage === 'undefined' ? null : localStorage,
) {
  return create<FleetState>((set, get) => {
    const guard = async (work: () => Promise<void>): Promise<void> => {
      try {
        await work();
        get().reachable(true);
        set({ loadError: null });
      } catch (error) {
        if (isUnreachable(error)) get().reachable(false);
        set({ loadError: error as Error });
      }
    };
    const saved: { databases?: unknown; providers?: unknown; operations?: unknown } = {};
    // Saving thousands of databases takes a while: do it later, once, off the loading path.
    let persistTimer: ReturnType<typeof setTimeout> | null = null;
    const schedulePersist = (): void => {
      if (persistTimer !== null) return;
      persistTimer = setTimeout(() => {
        persistTimer = null;
        get().persist();
      }, PERSIST_DELAY_MS);
    };
    const feed = (item: Omit<FeedItem, 'at'>): FeedItem[] =>
      [{ at: Date.now(), ...item }, ...get().feed].slice(0, FEED_MAX);

    return {
      databases: new Map(),
      databasesLoaded: false,
      databasesPaging: false,
      providers: [],
      providersLoaded: false,
      operations: new Map(),
      feed: [],
      online: true,
      syncedAt: null,
      stale: null,
      loadError: null,

      loadDatabases: (client) =>
        guard(async () => {
          set({ databasesPaging: true });
          const seen = new Map<string, Database>();
          let publishedAt = 0;
          const onPage = (items: Database[], done: boolean): void => {
            for (const item of items) seen.set(item.id, item);
            // Re-rendering 10,000 rows per page would cost more than the pages: show the first
            // page at once, then at most a few times a second, and the whole list at the end.
            const now = Date.now();
            if (!done && publishedAt !== 0 && now - publishedAt < PUBLISH_EVERY_MS) return;
            publishedAt = now;
            const merged = done ? new Map(seen) : new Map([...get().databases, ...seen]);
            // Keep what an event made newer while the pages were loading.
            for (const [id, current] of get().databases) {
              const loaded = merged.get(id);
              if (loaded && current.updatedAt > loaded.updatedAt) merged.set(id, current);
            }
            set({
              databases: merged,
              databasesLoaded: true,
              syncedAt: now,
              ...(done ? { databasesPaging: false } : {}),
            });
          };
          try {
            await fetchAll<Database>(client, '/api/v1/databases', onPage);
          } finally {
            set({ databasesPaging: false });
          }
          schedulePersist();
        }),

      loadProviders: (client) =>
        guard(async () => {
          const items: PublicProvider[] = [];
          await fetchAll<PublicProvider>(client, '/api/v1/providers', (page) =>
            items.push(...page),
          );
          set({ providers: items, providersLoaded: true, syncedAt: Date.now() });
        }),

      loadOperations: (client) =>
        guard(async () => {
          const page = await client.request<ListResponse<Operation>>(
            'GET',
            `/api/v1/operations?limit=${FIRST_PAGE}`,
          );
          const operations = new Map(get().operations);
          for (const item of page.items) operations.set(item.id, item);
          set({ operations, syncedAt: Date.now() });
        }),

      refreshDatabases: async (client, ids) => {
        for (let i = 0; i < ids.length; i += BATCH) {
          const chunk = ids.slice(i, i + BATCH);
          try {
            const page = await client.request<ListResponse<Database>>(
              'GET',
              `/api/v1/databases?limit=${BATCH}&ids=${chunk.map(encodeURIComponent).join(',')}`,
            );
            get().reachable(true);
            const databases = new Map(get().databases);
            for (const id of chunk) databases.delete(id);
            for (const database of page.items) databases.set(database.id, database);
            set({ databases, syncedAt: Date.now() });
          } catch (error) {
            if (isUnreachable(error)) get().reachable(false);
            throw error;
          }
        }
      },

      forgetDatabase: (id) => {
        if (!get().databases.has(id)) return;
        const databases = new Map(get().databases);
        databases.delete(id);
        set({ databases });
      },

      upsertDatabase: (database) => {
        const databases = new Map(get().databases);
        databases.set(database.id, database);
        set({ databases });
      },

      upsertOperation: (operation) => {
        const operations = new Map(get().operations);
        operations.set(operation.id, operation);
        set({ operations });
      },

      upsertProvider: (provider) => {
        const others = get().providers.filter((p) => p.id !== provider.id);
        set({ providers: [...others, provider].sort((a, b) => a.name.localeCompare(b.name)) });
      },

      removeProvider: (id) => set({ providers: get().providers.filter((p) => p.id !== id) }),

      applyEvent: (event) => {
        if (event.type === 'database.status') {
          const data = event.data as DatabaseStatusEventData;
          const current = get().databases.get(data.id);
          const next = applyDatabaseStatus(current, data);
          if (!next) {
            set({
              feed: feed({
                kind: 'status',
                text: `${data.name} is ${data.status}`,
                databaseId: data.id,
              }),
            });
            return { refresh: data.id };
          }
          if (next === current) return {};
          const databases = new Map(get().databases);
          databases.set(data.id, next);
          const changed = current?.status !== next.status;
          set({
            databases,
            ...(changed
              ? {
                  feed: feed({
                    kind: 'status',
                    text: `${data.name} is ${data.status}`,
                    databaseId: data.id,
                  }),
                }
              : {}),
          });
          return next.drift.length !== current?.drift.length ? { refresh: data.id } : {};
        }
        if (event.type === 'operation.progress') {
          const data = event.data as OperationProgressEventData;
          const current = get().operations.get(data.id);
          const next = applyOperationProgress(current, data);
          const operations = new Map(get().operations);
          operations.set(data.id, next);
          const finishedNow = isFinished(next.status) && !(current && isFinished(current.status));
          const name = get().databases.get(data.databaseId)?.name ?? data.databaseId;
          set({
            operations,
            ...(finishedNow || !current
              ? {
                  feed: feed({
                    kind: 'operation',
                    text: `${data.type} of ${name}: ${data.status}`,
                    databaseId: data.databaseId,
                  }),
                }
              : {}),
          });
          return finishedNow ? { finished: next } : {};
        }
        if (event.type === 'provider.health') {
          const data = event.data as ProviderHealthEventData;
          set({
            providers: applyProviderHealth(get().providers, data),
            feed: feed({
              kind: 'cluster',
              text: `cluster ${data.name} is ${data.health.reachable ? 'reachable' : 'unreachable'}`,
            }),
          });
        }
        return {};
      },

      reachable: (ok) => {
        if (ok !== get().online) set({ online: ok });
      },

      markStale: (marker) => {
        const current = get().stale;
        if (marker === null) {
          if (current !== null) set({ stale: null });
          return;
        }
        const since = Date.parse(marker.since);
        if (current?.since !== since || current.reason !== marker.reason)
          set({ stale: { since, reason: marker.reason } });
      },

      restore: () => {
        const snapshot = storage ? loadSnapshot(storage) : null;
        if (!snapshot || get().databasesLoaded) return;
        set({
          databases: new Map(snapshot.databases.map((d) => [d.id, d])),
          providers: snapshot.providers,
          operations: new Map(snapshot.operations.map((o) => [o.id, o])),
          databasesLoaded: true,
          providersLoaded: true,
          syncedAt: snapshot.savedAt,
        });
      },

      persist: () => {
        if (!storage) return;
        const { databases, providers, operations, syncedAt } = get();
        // Nothing changed since the last save (the maps are replaced on every change): skip the work.
        if (
          saved.databases === databases &&
          saved.providers === providers &&
          saved.operations === operations
        )
          return;
        Object.assign(saved, { databases, providers, operations });
        saveSnapshot(storage, {
          savedAt: syncedAt ?? Date.now(),
          databases: [...databases.values()],
          providers,
          operations: [...operations.values()].sort((a, b) =>
            b.createdAt.localeCompare(a.createdAt),
          ),
        });
      },
    };
  });
}

export const useFleetStore = createFleetStore();
