import type { Disposable } from '../base/disposable';
import {
  ENGINE_KINDS,
  ENGINES,
  type Condition,
  type Database,
  type DatabaseStatus,
  type OperationType,
  type Provider,
  type Unconfirmed,
} from '../domain';
import type { ClusterClient } from '../kube';
import { ReachabilityLog } from '../kube/reachability-log';
import { WatchCache } from '../kube/watch-cache';
import {
  INSTANCE_LABEL,
  toCachedDatabase,
  toCachedOpsRequest,
  toCachedPod,
} from '../kube/watch/projections';
import { computeAllDrift } from '../kubedb/drift';
import { carryDriftRecords } from '../kubedb/live';
import { withDriftHistory } from '../services/drift-history';
import {
  confirmFailure,
  endpointForPhase,
  mapDatabaseStatus,
  phaseOf,
  readyReplicasFromPods,
  statusReasonOf,
} from '../kubedb/status';
import { readyByRoleFromPods } from '../kubedb/replica-roles';
import { opsKind } from '../kubedb/ops';
import {
  DATABASE_ID_LABEL,
  KUBEDB_API_VERSION,
  KUBEDB_POD_SELECTOR,
  MANAGED_SELECTOR,
  OPS_API_VERSION,
  type KubeObject,
} from '../kubedb/types';
import { specOf } from '../services/databases';
import { isoAt, publishDatabase, type LoopContext } from './context';
import { isStaleWrite } from './retry-policy';
import { KeyedWorkQueue } from './work-queue';

/** Tunables of the status sync. */
export interface StatusSyncOptions {
  /** FAILED is shown only when Critical/NotReady/Failed lasts this long with no operation running. */
  failureThresholdMs: number;
  /** Options handed to every watch cache (tests shorten the watchdog). */
  watch?: { silenceTimeoutMs?: number; watchTimeoutSeconds?: number };
  /** Between two "cluster still unreachable" log lines; 5 minutes by default. */
  unreachableReminderMs?: number;
  /**
   * When no list, event or bookmark confirmed a cache's data for this long, the cluster's data is
   * unconfirmed (its databases read UNKNOWN) until one does; the silence bound plus 30 s.
   */
  staleAfterMs?: number;
  /** Called after a database was written (the reconciler listens). */
  onChanged?: (database: Database) => void;
  /** Called with the verdict on the watches at start and whenever it changes. */
  onConfirmation?: (unconfirmed: Unconfirmed | null) => void;
}

const DEFAULT_SILENCE_MS = 90_000;
/** How often the caches' confirmation is checked, at most. */
const CONFIRMATION_CHECK_MS = 5_000;

/**
 * Follows one cluster: watch caches of the six KubeDB kinds (our labels) and of KubeDB's pods, and
 * a keyed queue that maps a change to the database it concerns and writes the store only when
 * something changed. No per-database polling: between changes, nothing is asked of the cluster.
 */
export class ProviderStatusSync implements Disposable {
  private readonly databaseCaches = new Map<string, WatchCache>();
  /** The OpsRequests we applied, so that operation workers follow them without asking the cluster. */
  private readonly opsCaches = new Map<string, WatchCache>();
  private readonly podCache: WatchCache;
  private readonly queue: KeyedWorkQueue;
  private readonly failingSince = new Map<string, number>();
  /** `namespace/name` -> database id, from the live objects' labels. */
  private readonly idsByName = new Map<string, string>();
  private readonly subscriptions: Disposable[] = [];
  private startedAt = 0;
  private confirmationTimer: Disposable | undefined;
  /** The last verdict reported: undefined before the first. */
  private reportedUnconfirmed: boolean | undefined;

  constructor(
    private readonly context: LoopContext,
    readonly provider: Provider,
    readonly client: ClusterClient,
    private readonly options: StatusSyncOptions,
  ) {
    // One log of the cluster's reachability for all its caches: an outage is one line, not 13 per retry.
    const reachability = new ReachabilityLog({
      logger: context.logger.child({ providerId: provider.id, cluster: client.label }),
      clock: context.clock,
      reminderMs: options.unreachableReminderMs,
    });
    this.queue = new KeyedWorkQueue((id) => this.sync(id), {
      clock: context.clock,
      concurrency: 4,
      onError: (id, error) =>
        context.logger.warn(
          { providerId: provider.id, databaseId: id, err: error },
          'status sync failed',
        ),
    });
    for (const kind of Object.values(ENGINE_KINDS)) {
      const cache = new WatchCache({
        client,
        apiVersion: KUBEDB_API_VERSION,
        kind,
        labelSelector: MANAGED_SELECTOR,
        projection: toCachedDatabase,
        clock: context.clock,
        logger: context.logger,
        reachability,
        ...options.watch,
      });
      this.databaseCaches.set(kind, cache);
      this.subscriptions.push(
        cache.on((event) => {
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
            this.onDatabaseObject(event.object);
        }),
      );
    }
    for (const engine of ENGINES) {
      const kind = opsKind(engine);
      const cache = new WatchCache({
        client,
        apiVersion: OPS_API_VERSION,
        kind,
        labelSelector: MANAGED_SELECTOR,
        projection: toCachedOpsRequest,
        clock: context.clock,
        logger: context.logger,
        reachability,
        ...options.watch,
      });
      this.opsCaches.set(kind, cache);
    }
    this.podCache = new WatchCache({
      client,
      apiVersion: 'v1',
      kind: 'Pod',
      labelSelector: KUBEDB_POD_SELECTOR,
      projection: toCachedPod,
      clock: context.clock,
      logger: context.logger,
      reachability,
      ...options.watch,
    });
    this.subscriptions.push(
      this.podCache.on((event) => {
        if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') return;
        const instance = event.object.metadata.labels?.[INSTANCE_LABEL];
        const id = instance
          ? this.idsByName.get(`${event.object.metadata.namespace}/${instance}`)
          : undefined;
        if (id) this.queue.add(id);
      }),
    );
  }

  start(): void {
    this.startedAt = this.context.clock.now();
    for (const cache of this.allCaches()) cache.start();
    this.confirmationTimer = this.context.clock.setInterval(
      () => this.checkConfirmation(),
      Math.min(CONFIRMATION_CHECK_MS, Math.max(100, Math.floor(this.staleAfterMs / 4))),
    );
    this.checkConfirmation();
  }

  /**
   * Null while every cache's data was confirmed (a list, an event, a bookmark) within
   * `staleAfterMs`; otherwise since when the oldest was, and why.
   */
  unconfirmed(): Unconfirmed | null {
    const now = this.context.clock.now();
    let oldest = Number.POSITIVE_INFINITY;
    let worst: WatchCache | undefined;
    for (const cache of this.allCaches()) {
      const at = cache.confirmedAt ?? this.startedAt;
      if (at < oldest) {
        oldest = at;
        worst = cache;
      }
    }
    if (!worst || now - oldest <= this.staleAfterMs) return null;
    const seconds = Math.round((now - oldest) / 1000);
    const state = worst.stats();
    const why = state.reason ? ` (${state.state}: ${state.reason})` : ` (${state.state})`;
    return {
      since: worst.confirmedAt === null ? null : new Date(worst.confirmedAt).toISOString(),
      reason: `the watches of cluster ${this.provider.name} have confirmed nothing for ${seconds} s${why}`,
    };
  }

  private checkConfirmation(): void {
    const unconfirmed = this.unconfirmed();
    if (this.reportedUnconfirmed === (unconfirmed !== null)) return;
    this.reportedUnconfirmed = unconfirmed !== null;
    if (unconfirmed)
      this.context.logger.warn(
        { providerId: this.provider.id, reason: unconfirmed.reason },
        'cluster data unconfirmed',
      );
    this.options.onConfirmation?.(unconfirmed);
  }

  private get staleAfterMs(): number {
    return (
      this.options.staleAfterMs ??
      (this.options.watch?.silenceTimeoutMs ?? DEFAULT_SILENCE_MS) + 30_000
    );
  }

  /** True once every cache finished its first list. */
  get synced(): boolean {
    return this.allCaches().every((c) => c.synced);
  }

  /** The database id of the live object `namespace/name`, as last seen by the watch. */
  databaseIdFor(namespace: string, name: string): string | undefined {
    return this.idsByName.get(`${namespace}/${name}`);
  }

  /** Re-checks one database now (after an operation, or on the reconciler's timer). */
  enqueue(databaseId: string): void {
    this.queue.add(databaseId);
  }

  /** Requests sent to the cluster by all caches (for the benchmark). */
  requests(): number {
    return this.allCaches().reduce((sum, cache) => sum + cache.stats().requests, 0);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async dispose(): Promise<void> {
    void this.confirmationTimer?.dispose();
    for (const subscription of this.subscriptions) void subscription.dispose();
    this.queue.dispose();
    await Promise.all(this.allCaches().map((cache) => cache.dispose()));
  }

  /**
   * An OpsRequest as the watch last saw it — metadata and status only (`toCachedOpsRequest`);
   * undefined when it has not arrived (ask the cluster then).
   */
  cachedOpsRequest(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.opsCaches.get(kind)?.get(namespace, name);
  }

  private allCaches(): WatchCache[] {
    return [...this.databaseCaches.values(), ...this.opsCaches.values(), this.podCache];
  }

  private onDatabaseObject(object: KubeObject): void {
    const id = object.metadata.labels?.[DATABASE_ID_LABEL];
    if (!id) return;
    this.idsByName.set(`${object.metadata.namespace}/${object.metadata.name}`, id);
    this.queue.add(id);
  }

  /** One pass for one database: read the store and the caches, write only what changed. */
  private async sync(id: string): Promise<void> {
    const { store } = this.context;
    const database = await store.databases.find(id);
    if (!database || database.providerId !== this.provider.id || database.status === 'DELETED')
      return;
    const live =
      this.databaseCaches
        .get(ENGINE_KINDS[database.engine])
        ?.get(database.namespace, database.name) ?? null;
    const active = database.activeOperationId
      ? await store.operations.find(database.activeOperationId)
      : null;
    const observed = this.observe(database, live, active?.type ?? null);
    // Drift no longer seen on a live object went somewhere: the history says where and when.
    const next = live
      ? withDriftHistory(database, observed, active, isoAt(this.context.clock))
      : observed;
    if (!next) return;
    await this.context.fence();
    const written = await store.databases.update(next).catch(async (error: unknown) => {
      if (!isStaleWrite(error)) throw error;
      this.queue.add(id); // someone wrote in between: look again with the new revision
      return null;
    });
    if (!written) return;
    publishDatabase(this.context, written);
    this.options.onChanged?.(written);
  }

  /** The database as the cluster shows it now, or null when nothing changed. */
  private observe(
    database: Database,
    live: KubeObject | null,
    activeType: OperationType | null,
  ): Database | null {
    const now = this.context.clock.now();
    const phase = phaseOf(live);
    let status: DatabaseStatus;
    let statusReason = database.statusReason;
    if (!live) {
      // No object: PENDING/FAILED databases wait for their operation; one that vanished is a failure
      // — but only once the cache has listed everything, or a slow first list would look like loss.
      if (activeType || database.status === 'PENDING' || database.status === 'FAILED') return null;
      // Never seen yet (just applied, the watch event is on its way): not missing.
      if (database.phase === '') return null;
      if (!this.databaseCaches.get(ENGINE_KINDS[database.engine])?.synced) return null;
      status = 'FAILED';
      statusReason = 'the KubeDB object is missing from the cluster';
    } else {
      const mapped = mapDatabaseStatus({
        phase,
        deleting: Boolean(live.metadata.deletionTimestamp),
        activeOperation: activeType,
        previous: database.status,
      });
      if (mapped.failing && !activeType) {
        // Already FAILED when this sync first sees it (a restart): that failure was confirmed
        // before, so it stays FAILED instead of reading RUNNING for another threshold.
        const since =
          this.failingSince.get(database.id) ??
          (database.status === 'FAILED' ? now - this.options.failureThresholdMs : now);
        this.failingSince.set(database.id, since);
        status = confirmFailure(mapped, {
          previous: database.status,
          failingSinceMs: since,
          nowMs: now,
          thresholdMs: this.options.failureThresholdMs,
        });
        if (status !== 'FAILED')
          this.queue.addAfter(database.id, since + this.options.failureThresholdMs - now + 10);
        statusReason = statusReasonOf(live) ?? `KubeDB reports ${phase ?? 'no phase'}`;
      } else {
        this.failingSince.delete(database.id);
        status = mapped.failing ? database.status : mapped.status;
        if (!mapped.failing && status !== 'FAILED')
          statusReason = activeType ? database.statusReason : null;
      }
    }
    const pods = this.podCache
      .list()
      .filter((pod) => pod.metadata.namespace === database.namespace);
    const spec = specOf(database);
    const observed: Database = {
      ...database,
      status,
      statusReason,
      phase: phase ?? '',
      readyReplicas: live ? readyReplicasFromPods(pods, database.name) : 0,
      readyByRole: live ? readyByRoleFromPods(database, pods) : {},
      endpoint: live ? endpointForPhase(database, phase) : null,
      conditions: (
        (live?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []
      ).map(({ type, status: s, reason, message, lastTransitionTime }) => ({
        type,
        status: s,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
        ...(lastTransitionTime ? { lastTransitionTime } : {}),
      })),
      drift: live
        ? carryDriftRecords(database.drift, computeAllDrift(spec, live), isoAt(this.context.clock))
        : [],
    };
    if (sameObservation(database, observed)) return null;
    return {
      ...observed,
      lastSyncedAt: isoAt(this.context.clock),
      updatedAt: isoAt(this.context.clock),
    };
  }
}

function sameObservation(a: Database, b: Database): boolean {
  return (
    a.status === b.status &&
    a.statusReason === b.statusReason &&
    a.phase === b.phase &&
    a.readyReplicas === b.readyReplicas &&
    JSON.stringify(a.readyByRole ?? {}) === JSON.stringify(b.readyByRole ?? {}) &&
    JSON.stringify(a.endpoint) === JSON.stringify(b.endpoint) &&
    JSON.stringify(a.conditions) === JSON.stringify(b.conditions) &&
    JSON.stringify(a.drift) === JSON.stringify(b.drift)
  );
}
