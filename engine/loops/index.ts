import type { Disposable } from '../base/disposable';
import type { Provider } from '../domain';
import type { OperationQueue } from '../queue';
import type { Services } from '../services';
import type { AlertEvaluator } from '../services/alerts';
import { allProviders } from '../services/placement';
import { BackupWatch } from './backup-watch';
import { DrillScheduler } from './drill-scheduler';
import type { LoopContext } from './context';
import type { Leadership } from './leadership';
import { MetricsSampler } from './metrics-sampler';
import { OperationRunner } from './operation-runner';
import { Reconciler } from './reconciler';
import { ProviderStatusSync, type StatusSyncOptions } from './status-sync';

export { createEmbeddedLeadership, NotLeaderError, type Leadership, type Role } from './leadership';
export type { LoopContext } from './context';

export interface LoopOptions {
  workers: number;
  maxAttempts: number;
  reconcileIntervalMs: number;
  metricsIntervalMs: number;
  /** How often the drill scheduler looks for due restore drills (default 30 s). */
  drillIntervalMs?: number;
  statusSync: Omit<StatusSyncOptions, 'onChanged' | 'onConfirmation'>;
}

/** The engine's loops: operation workers, status sync per cluster, drift repair. */
export interface Loops extends Disposable {
  /** Starts the loops (when this instance leads) and follows leadership changes. */
  start(): Promise<void>;
  /** The status sync of a provider, while it runs. */
  syncOf(providerId: string): ProviderStatusSync | undefined;
  /** The BackupSession/Snapshot watch caches of a provider, while its sync runs. */
  backupsOf(providerId: string): BackupWatch | undefined;
  readonly reconciler: Reconciler;
  readonly metrics: MetricsSampler;
  /** Runs restore drills whose schedule is due (while this instance leads). */
  readonly drills: DrillScheduler;
  /** The alert evaluator (runs while this instance leads). */
  readonly alerts: AlertEvaluator;
  /** Starts or stops provider syncs to match the registry (new and removed clusters). */
  refreshProviders(): Promise<void>;
  readonly running: boolean;
}

/**
 * Builds the loops. They run only while `leadership` says this instance leads: losing the lease
 * stops them at once (and `fence()` refuses any write still in flight).
 */
export function createLoops(deps: {
  context: LoopContext;
  services: Services;
  queue: OperationQueue;
  leadership: Leadership;
  options: LoopOptions;
}): Loops {
  const { context, services, queue, leadership, options } = deps;
  const runner = new OperationRunner(context);
  const reconciler = new Reconciler(context, services.operations, {
    intervalMs: options.reconcileIntervalMs,
  });
  const syncs = new Map<string, ProviderStatusSync>();
  const backupWatches = new Map<string, BackupWatch>();
  const stopBackupWatch = async (id: string): Promise<void> => {
    const watch = backupWatches.get(id);
    backupWatches.delete(id);
    await watch?.dispose();
  };
  const metrics = new MetricsSampler(
    context,
    {
      providers: () =>
        [...syncs.values()].map((sync) => ({
          id: sync.provider.id,
          client: sync.client,
          databaseIdFor: (ns, name) => sync.databaseIdFor(ns, name),
        })),
    },
    options.metricsIntervalMs,
  );
  const drills = new DrillScheduler(context, services.drills, {
    intervalMs: options.drillIntervalMs,
  });
  const finished = new Set(['Succeeded', 'Failed', 'Invalid']);
  const alerts = services.alerts.evaluator({
    clock: context.clock,
    fence: () => context.fence(),
    newestBackup: async (databaseId) =>
      (await services.backups.backups.list(databaseId)).items.find((b) => finished.has(b.phase)) ??
      null,
  });
  const subscriptions: Disposable[] = [];
  let running = false;
  let transition: Promise<void> = Promise.resolve();

  const startSync = async (provider: Provider): Promise<void> => {
    const client = await context.clientFor(provider.id);
    const sync = new ProviderStatusSync(context, provider, client, {
      ...options.statusSync,
      onChanged: (db) => reconciler.notify(db),
      onConfirmation: (unconfirmed) =>
        void services.providers
          .setUnconfirmed(provider.id, unconfirmed)
          .catch((error: unknown) =>
            context.logger.warn(
              { providerId: provider.id, err: error },
              'the confirmation of the cluster data could not be saved',
            ),
          ),
    });
    syncs.set(provider.id, sync);
    sync.start();
    const backups = new BackupWatch(
      context,
      provider,
      client,
      (ns, name) => sync.databaseIdFor(ns, name),
      options.statusSync.watch,
    );
    backupWatches.set(provider.id, backups);
    backups.start();
  };

  const refreshProviders = async (): Promise<void> => {
    if (!running) return;
    const providers = await allProviders(context.store);
    const ids = new Set(providers.map((p) => p.id));
    for (const [id, sync] of syncs) {
      if (!ids.has(id)) {
        syncs.delete(id);
        await sync.dispose();
        await stopBackupWatch(id);
      }
    }
    for (const provider of providers) {
      if (!syncs.has(provider.id))
        await startSync(provider).catch((error: unknown) =>
          context.logger.warn(
            { providerId: provider.id, err: error },
            'status sync could not start',
          ),
        );
    }
  };

  const startLoops = async (): Promise<void> => {
    if (running) return;
    running = true;
    context.logger.info('loops starting');
    queue.start(runner.handle, { concurrency: options.workers, maxAttempts: options.maxAttempts });
    // Alerts first: they follow the events the status and backup watches are about to publish.
    await alerts.start();
    await services.operations.requeueUnfinished();
    await refreshProviders();
    reconciler.start();
    metrics.start();
    drills.start();
  };

  const stopLoops = async (): Promise<void> => {
    if (!running) return;
    running = false;
    context.logger.info('loops stopping');
    await alerts.dispose();
    metrics.dispose();
    drills.dispose();
    await queue.stop();
    for (const sync of syncs.values()) await sync.dispose();
    syncs.clear();
    for (const id of [...backupWatches.keys()]) await stopBackupWatch(id);
  };

  return {
    reconciler,
    metrics,
    drills,
    alerts,
    get running() {
      return running;
    },
    syncOf: (id) => syncs.get(id),
    backupsOf: (id) => backupWatches.get(id),
    refreshProviders: () => (transition = transition.then(refreshProviders)),
    async start() {
      subscriptions.push(
        queue.onSettled((event) => {
          void (async () => {
            const operation = await context.store.operations.find(event.operationId);
            if (!operation) return;
            const database = await context.store.databases.find(operation.databaseId);
            if (database) syncs.get(database.providerId)?.enqueue(database.id);
            if (operation.type === 'repair-drift' && event.outcome === 'failed')
              await reconciler.repairFailed(operation);
            if (operation.type === 'repair-drift' && operation.status === 'SUCCEEDED')
              await reconciler.repairSucceeded(operation);
          })().catch((error: unknown) =>
            context.logger.warn({ err: error }, 'settled-operation follow-up failed'),
          );
        }),
        context.events.subscribe((event) => {
          if (event.type === 'provider.health')
            void (transition = transition.then(refreshProviders));
        }),
        leadership.onChange((role) => {
          transition = transition
            .then(role === 'leader' ? startLoops : stopLoops)
            .catch((error: unknown) =>
              context.logger.error({ err: error }, 'loop transition failed'),
            );
        }),
      );
      if (leadership.role === 'leader') await (transition = transition.then(startLoops));
    },
    async dispose() {
      for (const subscription of subscriptions) void subscription.dispose();
      reconciler.dispose();
      await (transition = transition.then(stopLoops));
    },
  };
}
