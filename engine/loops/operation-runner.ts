import { isEngineError } from '../base/errors';
import {
  isTerminalOperationStatus,
  type Database,
  type Operation,
  type OperationStep,
  type PreviousDesiredState,
} from '../domain';
import { mapDatabaseStatus, statusDuring } from '../kubedb/status';
import type { JobResult, QueueJob } from '../queue';
import {
  isoAt,
  publishDatabase,
  publishOperation,
  updateWithRetry,
  type LoopContext,
} from './context';
import { execute, undoApplied, type ExecutionReporter } from './executors';
import { isRetryableAttempt } from './retry-policy';

type Previous = PreviousDesiredState;

/**
 * Runs queued operations: marks them RUNNING, executes their steps against the cluster, records
 * attempts, steps and progress, and settles them. Level-based: every run re-reads the operation
 * and the database, so a redelivered job (after a crash) continues from what the cluster shows.
 */
export class OperationRunner {
  constructor(private readonly context: LoopContext) {}

  readonly handle = async (job: QueueJob, signal: AbortSignal): Promise<JobResult> => {
    const { store } = this.context;
    const found = await store.operations.find(job.operationId);
    if (!found || isTerminalOperationStatus(found.status)) return { outcome: 'done' };
    const database = await store.databases.find(found.databaseId);
    if (!database) {
      await this.settle(found, 'FAILED', {
        code: 'NOT_FOUND',
        message: 'the database of this operation is gone',
      });
      return { outcome: 'failed', reason: 'database gone' };
    }
    await this.context.fence();
    let operation = await this.start(found, job.attempt);
    let current = await this.markDatabase(database.id, (db) => ({
      ...db,
      activeOperationId: operation.id,
      status: statusDuring(operation.type),
      statusReason: null,
    }));

    const report = this.reporter(
      () => operation,
      (next) => (operation = next),
    );
    try {
      const client = await this.context.clientFor(current.providerId);
      await execute({
        context: this.context,
        client,
        operation,
        database: current,
        signal,
        report,
      });
      await this.context.fence();
      if (await this.wasAborted(operation.id)) return { outcome: 'done' };
      await this.finishStep(operation, 'succeeded', null);
      operation = await this.settle(await store.operations.get(operation.id), 'SUCCEEDED', null);
      current = await this.markDatabase(current.id, (db) => this.afterSuccess(db, operation));
      return { outcome: 'done' };
    } catch (error) {
      if (signal.aborted) return { outcome: 'retry' };
      // Aborted through the API: the abort settled it and put the desired state back already.
      if (await this.wasAborted(operation.id)) return { outcome: 'done' };
      const message = isEngineError(error) ? error.message : 'the operation failed unexpectedly';
      this.context.logger.warn(
        { operationId: operation.id, databaseId: current.id, err: error },
        'operation attempt failed',
      );
      await this.finishStep(await store.operations.get(operation.id), 'failed', message);
      if (isRetryableAttempt(error) && job.attempt < operation.maxAttempts)
        return { outcome: 'retry' };
      await this.context.fence();
      if (operation.type === 'create') await this.undoCreate(current);
      const code = isEngineError(error) ? error.code : 'INTERNAL';
      operation = await this.settle(await store.operations.get(operation.id), 'FAILED', {
        code,
        message,
      });
      await this.markDatabase(current.id, (db) => this.afterFailure(db, operation, message));
      return { outcome: 'failed', reason: message };
    }
  };

  private async wasAborted(id: string): Promise<boolean> {
    return (await this.context.store.operations.find(id))?.status === 'CANCELLED';
  }

  /** A create that failed for good removes what it applied, so no orphaned object stays on the cluster. */
  private async undoCreate(database: Database): Promise<void> {
    try {
      const client = await this.context.clientFor(database.providerId);
      await undoApplied(client, database);
    } catch (error) {
      this.context.logger.warn(
        { databaseId: database.id, err: error },
        'could not remove what a failed create applied',
      );
    }
  }

  private async start(operation: Operation, attempt: number): Promise<Operation> {
    const now = isoAt(this.context.clock);
    const next = await updateWithRetry(
      this.context.store.operations,
      operation.id,
      (op): Operation => ({
        ...op,
        status: 'RUNNING',
        attempts: Math.max(op.attempts, attempt),
        startedAt: op.startedAt ?? now,
        error: null,
        // A step still running belongs to an attempt that never finished (its engine died or
        // lost the job): it did not succeed, whatever the next attempt finds.
        steps: op.steps.map((step) =>
          step.status === 'running'
            ? {
                ...step,
                status: 'failed',
                finishedAt: now,
                message: `interrupted: attempt ${op.attempts} did not finish${step.message ? ` (${step.message})` : ''}`,
              }
            : step,
        ),
        updatedAt: now,
      }),
    );
    publishOperation(this.context, next, 'start');
    return next;
  }

  private async settle(
    operation: Operation,
    status: 'SUCCEEDED' | 'FAILED',
    error: Operation['error'],
  ): Promise<Operation> {
    const now = isoAt(this.context.clock);
    const next = await updateWithRetry(this.context.store.operations, operation.id, (op) => ({
      ...op,
      status,
      error,
      progress: status === 'SUCCEEDED' ? 100 : op.progress,
      finishedAt: now,
      updatedAt: now,
    }));
    publishOperation(this.context, next, null);
    return next;
  }

  private async finishStep(
    operation: Operation,
    status: 'succeeded' | 'failed',
    message: string | null,
  ): Promise<void> {
    const steps = [...operation.steps];
    const last = steps.at(-1);
    if (!last || last.status !== 'running') return;
    steps[steps.length - 1] = {
      ...last,
      status,
      finishedAt: isoAt(this.context.clock),
      message: message ?? last.message,
    };
    await updateWithRetry(this.context.store.operations, operation.id, (op) => ({
      ...op,
      steps,
      updatedAt: isoAt(this.context.clock),
    }));
  }

  private reporter(get: () => Operation, set: (op: Operation) => void): ExecutionReporter {
    const write = async (
      change: (op: Operation) => Operation,
      step: string | null,
    ): Promise<void> => {
      await this.context.fence();
      const next = await updateWithRetry(this.context.store.operations, get().id, (op) =>
        change({ ...op, updatedAt: isoAt(this.context.clock) }),
      );
      set(next);
      publishOperation(this.context, next, step);
    };
    return {
      step: (name, message = null) =>
        write((op) => {
          const now = isoAt(this.context.clock);
          const steps: OperationStep[] = op.steps.map((s) =>
            s.status === 'running' ? { ...s, status: 'succeeded', finishedAt: now } : s,
          );
          steps.push({ name, status: 'running', startedAt: now, finishedAt: null, message });
          return { ...op, steps: steps.slice(-50) };
        }, name),
      progress: (percent) =>
        write(
          (op) => ({ ...op, progress: Math.max(op.progress, Math.min(99, Math.round(percent))) }),
          null,
        ),
      opsRequest: (name) =>
        write((op) => ({ ...op, opsRequestName: op.opsRequestName ?? name }), null),
    };
  }

  private async markDatabase(id: string, change: (db: Database) => Database): Promise<Database> {
    const now = isoAt(this.context.clock);
    const next = await updateWithRetry(this.context.store.databases, id, (db) => ({
      ...change(db),
      updatedAt: now,
    }));
    publishDatabase(this.context, next);
    return next;
  }

  private afterSuccess(database: Database, operation: Operation): Database {
    const base = { ...database, activeOperationId: null, statusReason: null };
    switch (operation.type) {
      case 'create':
        return { ...base, status: database.phase === 'Ready' ? 'RUNNING' : 'PROVISIONING' };
      case 'delete':
        return { ...base, status: 'DELETED', endpoint: null, readyReplicas: 0 };
      case 'pause':
        return { ...base, halted: true, status: 'PAUSED' };
      case 'resume':
        return { ...base, halted: false, status: 'RUNNING' };
      default:
        return { ...base, status: mapDatabaseStatus({ phase: database.phase || null }).status };
    }
  }

  /** A failed operation puts back the desired state it changed, so the reconciler does not retry it forever. */
  private afterFailure(database: Database, operation: Operation, message: string): Database {
    const previous = (operation.params.previous ?? {}) as Previous;
    const base = { ...database, ...previous, activeOperationId: null, statusReason: message };
    if (operation.type === 'create') return { ...base, status: 'FAILED' };
    const mapped = mapDatabaseStatus({ phase: database.phase || null });
    return { ...base, status: mapped.failing ? 'FAILED' : mapped.status };
  }
}
