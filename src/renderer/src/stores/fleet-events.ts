import type {
  Database,
  DatabaseStatusEventData,
  Operation,
  OperationProgressEventData,
  ProviderHealthEventData,
  PublicProvider,
} from '../api';

/** True for operation statuses that never change again. */
export function isFinished(status: Operation['status']): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}

/** The database with a `database.status` event applied; older events than the record are ignored. */
export function applyDatabaseStatus(
  current: Database | undefined,
  data: DatabaseStatusEventData,
): Database | undefined {
  if (!current) return undefined;
  if (current.updatedAt > data.updatedAt && current.status === data.status) return current;
  const drift =
    data.driftCount === current.drift.length
      ? current.drift
      : Array.from(
          { length: data.driftCount },
          (_, i) => current.drift[i] ?? { path: '?', desired: null, live: null },
        );
  return {
    ...current,
    status: data.status,
    phase: data.phase,
    readyReplicas: data.readyReplicas,
    ...(data.desiredReplicas !== undefined ? { desiredReplicas: data.desiredReplicas } : {}),
    ...(data.roles !== undefined ? { roles: data.roles } : {}),
    statusReason: data.statusReason,
    lastKnownStatus: data.lastKnownStatus ?? data.status,
    statusObservedAt: data.statusObservedAt ?? null,
    drift,
    updatedAt: data.updatedAt > current.updatedAt ? data.updatedAt : current.updatedAt,
  };
}

/** The operation with an `operation.progress` event applied (a new one from the event alone). */
export function applyOperationProgress(
  current: Operation | undefined,
  data: OperationProgressEventData,
): Operation {
  const base: Operation = current ?? {
    id: data.id,
    type: data.type as Operation['type'],
    databaseId: data.databaseId,
    status: data.status,
    progress: data.progress,
    attempts: 0,
    maxAttempts: 3,
    steps: [],
    error: null,
    params: {},
    opsRequestName: null,
    startedAt: null,
    finishedAt: null,
    revision: 0,
    createdAt: data.updatedAt,
    updatedAt: data.updatedAt,
  };
  const steps =
    data.step && !base.steps.some((step) => step.name === data.step)
      ? [
          ...base.steps,
          {
            name: data.step,
            status: 'running' as const,
            startedAt: data.updatedAt,
            finishedAt: null,
            message: null,
          },
        ]
      : base.steps;
  return {
    ...base,
    status: data.status,
    progress: data.progress,
    error: data.error,
    steps,
    startedAt: base.startedAt ?? (data.status === 'RUNNING' ? data.updatedAt : null),
    finishedAt: isFinished(data.status) ? (base.finishedAt ?? data.updatedAt) : base.finishedAt,
    updatedAt: data.updatedAt,
  };
}

/** The provider list with a `provider.health` event applied. */
export function applyProviderHealth(
  providers: PublicProvider[],
  data: ProviderHealthEventData,
): PublicProvider[] {
  return providers.map((provider) =>
    provider.id === data.id ? { ...provider, health: data.health } : provider,
  );
}
