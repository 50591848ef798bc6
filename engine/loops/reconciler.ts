import type { Disposable } from '../base/disposable';
import type { Database, DriftEntry, DriftHistoryEntry, Operation } from '../domain';
import { driftKey, planDriftRepair } from '../kubedb/live';
import type { OperationService } from '../services/operations';
import { specOf } from '../services/databases';
import { historyEntry, recordDriftHistory } from '../services/drift-history';
import { publishDatabase, type LoopContext } from './context';
import { adoptLive } from './drift-adoption';
import { KeyedWorkQueue } from './work-queue';

export interface ReconcilerOptions {
  /** The periodic pass over every database (5 minutes by default). */
  intervalMs: number;
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
    if (await this.operations.hasActive(id)) return;
    const project = await this.context.store.projects.findByName(database.domain, database.project);
    const policy = project?.driftPolicy ?? 'repair';
    // notify: drift stays shown on the database, and nothing is done about it.
    if (policy === 'notify') return;
    if (policy === 'adopt-live') return this.adopt(database);
    const plan = planDriftRepair(specOf(database), database.drift);
    if (plan.unrepairable.length > 0) {
      await this.refuse(
        id,
        plan.unrepairable.map(({ entry, reason }) => ({ key: driftKey(entry), reason })),
      );
    }
    if (plan.steps.length === 0) return;
    await this.context.fence();
    // One operation per step: a step KubeDB refuses fails alone, and the others still run.
    for (const step of plan.steps) {
      const drift = database.drift.filter((entry) => step.paths.includes(entry.path));
      const operation = await this.operations.submit(
        database,
        'repair-drift',
        { steps: [{ type: step.type, params: step.params }], drift },
        'system',
      );
      this.context.logger.info(
        { databaseId: id, operationId: operation.id, drift: step.paths },
        'repairing drift',
      );
    }
  }

  /** The `adopt-live` policy: the live values become the desired state, recorded in the audit trail. */
  private async adopt(database: Database): Promise<void> {
    // Refused entries too: a version moved forward by hand is never downgraded, but can be adopted.
    const { database: next, adopted, rest } = adoptLive(database, database.drift);
    if (adopted.length > 0) {
      await this.context.fence();
      const at = new Date(this.context.clock.now()).toISOString();
      const by = { actor: 'system', operationId: null };
      const written = await this.context.store.databases
        .update({
          ...next,
          // What was adopted is no longer a difference: the live values are the desired ones now.
          drift: database.drift.filter((entry) => !adopted.includes(entry)),
          driftHistory: recordDriftHistory(
            database.driftHistory,
            adopted.map((entry) => historyEntry(entry, 'adopted', at, by)),
          ),
          updatedAt: at,
        })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === 'CONFLICT') return null;
          throw error;
        });
      if (!written) return void this.queue.add(database.id);
      publishDatabase(this.context, written);
      await this.context.audit?.({
        actor: 'system',
        action: 'databases.drift.adopt',
        target: `databases/${database.id}`,
        result: 'success',
        requestId: null,
        sourceIp: null,
        details: {
          changes: adopted.map(({ path, desired, live }) => ({ path, desired, live })),
        },
      });
      this.context.logger.info(
        { databaseId: database.id, drift: adopted.map((entry) => entry.path) },
        'adopted live values into the desired state',
      );
    }
    if (rest.length > 0) {
      await this.refuse(
        database.id,
        rest.map((entry) => ({
          key: driftKey(entry),
          reason: `${entry.path} has no desired-state field to adopt it into; change it back with kubectl or set the project's driftPolicy to repair`,
        })),
      );
    }
  }

  /**
   * A repair failed: its drift is marked refused with the reason, so that it is reported once and
   * not tried again until the desired or the live value changes.
   */
  async repairFailed(operation: Operation): Promise<void> {
    const drift = (operation.params.drift ?? []) as DriftEntry[];
    const reason = operation.error?.message ?? 'the repair failed';
    await this.refuse(
      operation.databaseId,
      drift.map((entry) => ({ key: driftKey(entry), reason })),
      operation.id,
    );
  }

  /**
   * A repair succeeded: its drift is recorded as repaired by it (the status sync may have seen the
   * live value go back first and taken it for a change by hand; the repair's record wins).
   */
  async repairSucceeded(operation: Operation): Promise<void> {
    const drift = (operation.params.drift ?? []) as DriftEntry[];
    if (drift.length === 0) return;
    const at = operation.finishedAt ?? new Date(this.context.clock.now()).toISOString();
    const by = { actor: operation.requestedBy ?? 'system', operationId: operation.id };
    const entries = drift.map((entry) => historyEntry(entry, 'repaired', at, by));
    await this.writeHistory(operation.databaseId, (database) => ({
      ...database,
      driftHistory: recordDriftHistory(database.driftHistory, entries),
    }));
  }

  /** Writes `change` of the stored database, again on a concurrent write (three tries). */
  private async writeHistory(id: string, change: (database: Database) => Database): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const database = await this.context.store.databases.find(id);
      if (!database) return;
      const next = {
        ...change(database),
        updatedAt: new Date(this.context.clock.now()).toISOString(),
      };
      if (JSON.stringify(next.driftHistory) === JSON.stringify(database.driftHistory)) return;
      await this.context.fence();
      const written = await this.context.store.databases.update(next).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'CONFLICT') return null;
        throw error;
      });
      if (written) return void publishDatabase(this.context, written);
    }
  }

  /** Records refusals on the database's drift entries that do not have one yet. */
  private async refuse(
    id: string,
    refusals: { key: string; reason: string }[],
    operationId: string | null = null,
  ): Promise<void> {
    const reasons = new Map(refusals.map((r) => [r.key, r.reason]));
    for (let attempt = 0; attempt < 3; attempt++) {
      const database = await this.context.store.databases.find(id);
      if (!database) return;
      let changed = false;
      const at = new Date(this.context.clock.now()).toISOString();
      const refusedNow: DriftHistoryEntry[] = [];
      const drift = database.drift.map((entry) => {
        const reason = reasons.get(driftKey(entry));
        if (reason === undefined || entry.refused) return entry;
        changed = true;
        refusedNow.push(
          historyEntry(entry, 'refused', at, { actor: 'system', operationId, reason }),
        );
        this.context.logger.warn(
          { databaseId: id, path: entry.path, desired: entry.desired, live: entry.live, reason },
          'drift is not repaired',
        );
        return { ...entry, refused: { reason, at } };
      });
      if (!changed) return;
      await this.context.fence();
      const written = await this.context.store.databases
        .update({
          ...database,
          drift,
          driftHistory: recordDriftHistory(database.driftHistory, refusedNow),
        })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === 'CONFLICT') return null;
          throw error;
        });
      if (written) {
        publishDatabase(this.context, written);
        return;
      }
    }
  }
}
