import { ConflictError } from '../base/errors';
import { ENGINE_KINDS, type Database, type Operation, type PreviousDesiredState } from '../domain';
import { mapDatabaseStatus } from '../kubedb/status';
import { OPS_API_VERSION } from '../kubedb/types';
import { StaleRevisionError } from '../store';
import type { Grant } from './auth/access';
import { isoNow, type ServiceContext } from './context';
import type { OperationService } from './operations';
import type { ProviderService } from './providers';

type Previous = PreviousDesiredState;

/** Operations whose abort would leave half a database behind: delete the database instead. */
const NOT_ABORTABLE = new Set(['create', 'delete', 'restore']);

/**
 * Stops an operation. A queued one is cancelled; a running one is aborted: it is marked CANCELLED
 * first (so that its worker stops following it and settles nothing), its OpsRequest is deleted on
 * the cluster (KubeDB then stops it, even one held Pending on a halted database), and the desired
 * state it changed is put back. The error says who aborted it; the audit trail records the call.
 */
export class OperationAbort {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly operations: OperationService,
  ) {}

  async abort(id: string, options: { actor?: string; grant?: Grant } = {}): Promise<Operation> {
    const operation = await this.operations.get(id, options.grant);
    const database = await this.context.store.databases.get(operation.databaseId);
    options.grant?.assertAllowed('operation', id, database.domain, database.project);
    if (operation.status === 'QUEUED') return this.operations.cancel(id, options.grant);
    if (operation.status !== 'RUNNING')
      throw new ConflictError(
        `operation ${id} is ${operation.status.toLowerCase()}: only a queued or running operation can be stopped`,
      );
    if (NOT_ABORTABLE.has(operation.type))
      throw new ConflictError(
        `a ${operation.type} operation cannot be aborted: it would leave a partial database; delete the database instead`,
      );
    const now = isoNow(this.context);
    const who = options.actor ?? 'someone';
    const aborted = await this.retry(
      () => this.context.store.operations.get(id),
      (current) =>
        current.status === 'RUNNING'
          ? this.context.store.operations.update({
              ...current,
              status: 'CANCELLED',
              error: { code: 'ABORTED', message: `aborted by ${who}` },
              finishedAt: now,
              updatedAt: now,
            })
          : Promise.reject(
              new ConflictError(`operation ${id} finished before it could be aborted`),
            ),
    );
    await this.deleteOpsRequest(database, aborted);
    await this.putBack(database.id, aborted);
    this.operations.announce(aborted);
    return aborted;
  }

  private async deleteOpsRequest(database: Database, operation: Operation): Promise<void> {
    if (!operation.opsRequestName) return;
    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    await client.delete(
      OPS_API_VERSION,
      `${ENGINE_KINDS[database.engine]}OpsRequest`,
      database.namespace,
      operation.opsRequestName,
    );
  }

  /** The desired state before the operation, and no active operation. */
  private async putBack(databaseId: string, operation: Operation): Promise<void> {
    const previous = (operation.params.previous ?? {}) as Previous;
    await this.retry(
      () => this.context.store.databases.get(databaseId),
      (database) => {
        const mapped = mapDatabaseStatus({ phase: database.phase || null });
        return this.context.store.databases.update({
          ...database,
          ...previous,
          activeOperationId:
            database.activeOperationId === operation.id ? null : database.activeOperationId,
          status: mapped.failing ? database.status : mapped.status,
          statusReason: `operation ${operation.type} was aborted`,
          updatedAt: isoNow(this.context),
        });
      },
    );
  }

  /** Read-modify-write with optimistic concurrency, a bounded number of times. */
  private async retry<T>(read: () => Promise<T>, write: (current: T) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return await write(await read());
      } catch (error) {
        if (!(error instanceof StaleRevisionError)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }
}
