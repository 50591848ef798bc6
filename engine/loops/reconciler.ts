import type { Disposable } from '../base/disposable';
import type { Database } from '../domain';
import { planDriftRepair } from '../kubedb/live';
import type { OperationService } from '../services/operations';
import { specOf } from '../services/databases';
import type { LoopContext } from './context';
import { KeyedWorkQueue } from './work-queue';

export interface ReconcilerOptions {
  /** The periodic pass over every database (5 minutes by default). */
  intervalMs: number;
  /** After a repair failed, wait this long before trying that database again. */
  failedRepairBackoffMs?: number;
}

/**
 * Drift repair: compares the desired state (store) with what the status sync saw (the drift it
 * recorded from the watch cache) and turns drift into one `repair-drift` operation of OpsRequests.
 * Level-based and idempotent; it never acts while an operation of the database is queued or running,
 * so it never fights one in progress. Runs on change and on a timer.
 */
export class Reconciler implements Disposable {
  private readonly queue: KeyedWorkQueue;
  private timer: Disposable | undefined;
  private readonly lastFailure = new Map<string, number>();

  constructor(
    private readonly context: LoopContext,
    private readonly operations: OperationService,
    private readonly options: ReconcilerOptions,
  ) {
    this.queue = new KeyedWorkQueue((id) => this.reconcile(id), {
      clock: context.clock,
      concurrency: 2,
      onError: (id, error) =>
        context.logger.warn({ databaseId: id, err: error }, 'reconcile failed'),
    });
  }

  start(): void {
    this.timer = this.context.clock.setInterval(() => void this.sweep(), this.options.intervalMs);
  }

  /** A database changed: look at it again. */
  notify(database: Database): void {
    if (database.drift.length > 0 && !database.activeOperationId) this.queue.add(database.id);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  dispose(): void {
    void this.timer?.dispose();
    this.queue.dispose();
  }

  /** The periodic pass: every database with recorded drift, read in pages. */
  private async sweep(): Promise<void> {
    let cursor: string | null = null;
    do {
      const page = await this.context.store.databases.list({}, { limit: 500, cursor });
      for (const database of page.items) this.notify(database);
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async reconcile(id: string): Promise<void> {
    const database = await this.context.store.databases.find(id);
    if (!database || database.drift.length === 0 || database.activeOperationId) return;
    if (['DELETED', 'DELETING', 'PENDING', 'PROVISIONING'].includes(database.status)) return;
    const failedAt = this.lastFailure.get(id);
    const backoff = this.options.failedRepairBackoffMs ?? this.options.intervalMs;
    if (failedAt !== undefined && this.context.clock.now() - failedAt < backoff) return;
    if (await this.operations.hasActive(id)) return;
    const plan = planDriftRepair(specOf(database), database.drift);
    if (plan.steps.length === 0) return;
    await this.context.fence();
    const operation = await this.operations.submit(
      database,
      'repair-drift',
      { steps: plan.steps, drift: database.drift },
      'system',
    );
    this.context.logger.info(
      { databaseId: id, operationId: operation.id, drift: database.drift.map((d) => d.path) },
      'repairing drift',
    );
  }

  /** Remembers a failed repair so that the next attempt waits (no storm of failing OpsRequests). */
  repairFailed(databaseId: string): void {
    this.lastFailure.set(databaseId, this.context.clock.now());
  }
}
