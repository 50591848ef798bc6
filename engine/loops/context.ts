import type { AuditEntry } from '../services/audit';
import type { Logger } from 'pino';
import type { Clock } from '../base/clock';
import type { Database, Operation } from '../domain';
import type { ClusterClient } from '../kube';
import type { KubeObject } from '../kubedb/types';
import { toDatabaseStatusEvent } from '../services/database-view';
import type { EventBus } from '../services/events';
import type { Store } from '../store';
import { isStaleWrite } from './retry-policy';

/** What the loops need; built by the composition root. */
export interface LoopContext {
  store: Store;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  /** The cluster client of the provider a database lives on. */
  clientFor(providerId: string): Promise<ClusterClient>;
  /**
   * Every write a loop makes goes through here in shared mode, so that a paused old leader (whose
   * fencing token is stale) writes nothing. Embedded mode: always passes.
   */
  fence(): Promise<void>;
  /** An OpsRequest from the provider's watch cache, when it has one (saves a request per check). */
  cachedOpsRequest?(
    providerId: string,
    kind: string,
    namespace: string,
    name: string,
  ): KubeObject | undefined;
  /** Applies a database's backup policy (KubeStash objects + Secrets from the vault); backups need it. */
  applyBackupPolicy?(databaseId: string): Promise<void>;
  /**
   * Places a source database's repository (backup storage + restic encryption Secret) on another
   * cluster, for a restore there.
   */
  placeRestoreRepository?(sourceId: string, providerId: string): Promise<void>;
  /** The audit trail, for what a loop decides on its own (a drift adopted into the desired state). */
  audit?(entry: AuditEntry): Promise<unknown>;
}

/** The time as API.md writes it. */
export function isoAt(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** Publishes an operation's progress to the console. */
export function publishOperation(
  context: LoopContext,
  operation: Operation,
  step: string | null = null,
): void {
  context.events.publish({
    type: 'operation.progress',
    data: {
      id: operation.id,
      databaseId: operation.databaseId,
      type: operation.type,
      status: operation.status,
      progress: operation.progress,
      step,
      error: operation.error,
      updatedAt: operation.updatedAt,
    },
  });
}

/** Publishes a database's status to the console (as reads show it, when given so). */
export function publishDatabase(context: LoopContext, database: Database): void {
  context.events.publish(toDatabaseStatusEvent(database));
}

/**
 * Read-modify-write of one record with optimistic concurrency: re-reads and re-applies `change` on
 * a stale revision, a bounded number of times.
 */
export async function updateWithRetry<T extends { id: string; revision: number }>(
  repository: { get(id: string): Promise<T>; update(record: T): Promise<T> },
  id: string,
  change: (current: T) => T | null,
  attempts = 5,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await repository.get(id);
    const next = change(current);
    if (next === null) return current;
    try {
      return await repository.update(next);
    } catch (error) {
      if (!isStaleWrite(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
