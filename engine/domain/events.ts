import type { DatabaseStatus, ReplicaRole } from './database';
import type { OperationStatus } from './operation';
import type { ProviderHealth } from './provider';

/*
 * The events the engine publishes to the console (server-sent events on the daemon, IPC on the
 * desktop). Types only: the engine's event bus and the renderer's live stores share them.
 */

/** `database.status`: a database's product status (and what explains it) changed. */
export interface DatabaseStatusEvent {
  type: 'database.status';
  data: {
    id: string;
    name: string;
    domain: string;
    project: string;
    providerId: string;
    status: DatabaseStatus;
    phase: string;
    readyReplicas: number;
    /** Every pod the topology should run (compare with `readyReplicas`). */
    desiredReplicas?: number;
    /** Ready/desired per role, for topologies with roles. */
    roles?: ReplicaRole[];
    statusReason: string | null;
    driftCount: number;
    updatedAt: string;
    /** The status last observed; differs from `status` only when that is UNKNOWN. */
    lastKnownStatus?: DatabaseStatus;
    /** While UNKNOWN: when the cluster last confirmed `lastKnownStatus`. */
    statusObservedAt?: string | null;
  };
}

/** `operation.progress`: an operation moved (status, progress or step). */
export interface OperationProgressEvent {
  type: 'operation.progress';
  data: {
    id: string;
    databaseId: string;
    type: string;
    status: OperationStatus;
    progress: number;
    step: string | null;
    error: { code: string; message: string } | null;
    updatedAt: string;
  };
}

/** `provider.health`: a cluster's health changed. */
export interface ProviderHealthEvent {
  type: 'provider.health';
  data: { id: string; name: string; health: ProviderHealth };
}

/** `backup.status`: a backup (BackupSession or its Snapshot) of a database changed. */
export interface BackupStatusEvent {
  type: 'backup.status';
  data: {
    databaseId: string;
    /** The BackupSession name (the backup's id). */
    id: string;
    phase: string;
    snapshot: string | null;
    size: string | null;
    error?: string;
    updatedAt: string;
  };
}

/** Every event the engine publishes to the console (server-sent events, IPC). Never a secret. */
export type EngineEvent =
  DatabaseStatusEvent | OperationProgressEvent | ProviderHealthEvent | BackupStatusEvent;
