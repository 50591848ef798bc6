import { ConflictError, NotFoundError } from '../base/errors';
import { type Database, type Operation, type OperationType } from '../domain';
import type { OperationQueue } from '../queue';
import type { OperationFilter, Page, PageRequest } from '../store';
import type { Grant } from './auth/access';
import { isoNow, type ServiceContext } from './context';
import type { EventBus } from './events';

/** Attempts per operation (API.md: 3 by default). */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * The operation queue as the API sees it: submit (record + enqueue), follow, cancel. The workers
 * that execute operations live in engine/loops.
 */
export class OperationService {
  constructor(
    private readonly context: ServiceContext,
    private readonly queue: OperationQueue,
    private readonly events: EventBus,
  ) {}

  /**
   * Records an operation as QUEUED and hands its id to the queue. If the queue refuses, the record
   * is settled FAILED at once, so nothing is left waiting forever.
   */
  async submit(
    database: Database,
    type: OperationType,
    params: Record<string, unknown>,
    actor?: string,
  ): Promise<Operation> {
    const now = isoNow(this.context);
    const operation = await this.context.store.operations.create({
      id: this.context.newId(),
      type,
      databaseId: database.id,
      status: 'QUEUED',
      progress: 0,
      attempts: 0,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      steps: [],
      error: null,
      params,
      opsRequestName: null,
      requestedBy: actor,
      startedAt: null,
      finishedAt: null,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.queue.enqueue({ operationId: operation.id, key: database.id });
    } catch (error) {
      await this.context.store.operations.update({
        ...operation,
        status: 'FAILED',
        error: { code: 'UNAVAILABLE', message: 'the operation queue is unavailable' },
        finishedAt: isoNow(this.context),
        updatedAt: isoNow(this.context),
      });
      throw error;
    }
    this.publish(operation);
    return operation;
  }

  /**
   * Operations, filtered. With a grant limited to some projects, the store's query itself keeps to
   * the databases the caller can see, so pages, their count and their cursors reveal nothing of
   * other tenants.
   */
  async list(
    filter: Omit<OperationFilter, 'scopes'> = {},
    page?: PageRequest,
    grant?: Grant,
  ): Promise<Page<Operation>> {
    const scopes = grant?.visibleScopes();
    return this.context.store.operations.list(
      scopes === undefined ? filter : { ...filter, scopes },
      page,
    );
  }

  /** One operation; with a grant, 404 unless its database is visible to the caller. */
  async get(id: string, grant?: Grant): Promise<Operation> {
    const operation = await this.context.store.operations.get(id);
    if (grant) {
      const database = await this.context.store.databases.find(operation.databaseId);
      if (!database) throw new NotFoundError('operation', id);
      grant.assertVisible('operation', id, database.domain, database.project);
    }
    return operation;
  }

  /** Cancels an operation that has not started; 409 once it runs or has finished. */
  async cancel(id: string, grant?: Grant): Promise<Operation> {
    const operation = await this.get(id, grant);
    if (grant) {
      const database = await this.context.store.databases.get(operation.databaseId);
      grant.assertAllowed('operation', id, database.domain, database.project);
    }
    if (operation.status !== 'QUEUED' || !(await this.queue.cancel(id))) {
      throw new ConflictError(
        `operation ${id} is ${operation.status.toLowerCase()} and can no longer be cancelled`,
      );
    }
    const now = isoNow(this.context);
    const cancelled = await this.context.store.operations.update({
      ...operation,
      status: 'CANCELLED',
      finishedAt: now,
      updatedAt: now,
    });
    this.publish(cancelled);
    return cancelled;
  }

  /**
   * Puts every unfinished operation back in the queue (idempotent), for a start after a crash that
   * happened between recording an operation and queueing it.
   */
  async requeueUnfinished(): Promise<number> {
    let count = 0;
    for (const status of ['QUEUED', 'RUNNING'] as const) {
      let cursor: string | null = null;
      do {
        const page: Page<Operation> = await this.context.store.operations.list(
          { status },
          { limit: 500, cursor },
        );
        for (const operation of page.items) {
          await this.queue.enqueue({ operationId: operation.id, key: operation.databaseId });
          count++;
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    return count;
  }

  /** True when the database has an operation that has not finished. */
  async hasActive(databaseId: string): Promise<boolean> {
    for (const status of ['QUEUED', 'RUNNING'] as const) {
      const page = await this.context.store.operations.list({ databaseId, status }, { limit: 1 });
      if (page.items.length > 0) return true;
    }
    return false;
  }

  /** Tells the event stream about an operation that changed outside the workers (an abort). */
  announce(operation: Operation): void {
    this.publish(operation);
  }

  private publish(operation: Operation): void {
    this.events.publish({
      type: 'operation.progress',
      data: {
        id: operation.id,
        databaseId: operation.databaseId,
        type: operation.type,
        status: operation.status,
        progress: operation.progress,
        step: null,
        error: operation.error,
        updatedAt: operation.updatedAt,
      },
    });
  }
}
