import { z } from 'zod';
import { IdSchema, IsoTimeSchema, RecordMetaShape } from './common';

/** What an operation does. Each becomes Kubernetes objects (a manifest, an OpsRequest, a KubeStash session). */
export const OPERATION_TYPES = [
  'create',
  'delete',
  'scale-horizontal',
  'scale-vertical',
  'expand-volume',
  'update-version',
  'restart',
  'pause',
  'resume',
  'rotate-credentials',
  'backup',
  'restore',
  'repair-drift',
  /** Applies the database object for changes that need no OpsRequest: deletionPolicy, labels. */
  'update-settings',
] as const;
export const OperationTypeSchema = z.enum(OPERATION_TYPES);
export type OperationType = z.infer<typeof OperationTypeSchema>;

export const OPERATION_STATUSES = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export const OperationStatusSchema = z.enum(OPERATION_STATUSES);
export type OperationStatus = z.infer<typeof OperationStatusSchema>;

/** True for statuses an operation never leaves. */
export function isTerminalOperationStatus(status: OperationStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}

export const StepStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** One step of an operation (apply, wait for OpsRequest, ...), recorded per attempt. */
export const OperationStepSchema = z.object({
  name: z.string(),
  status: StepStatusSchema,
  startedAt: IsoTimeSchema.nullable(),
  finishedAt: IsoTimeSchema.nullable(),
  message: z.string().nullable(),
});
export type OperationStep = z.infer<typeof OperationStepSchema>;

/** The failure of an operation: a stable code (API.md) and a secret-free message. */
export const OperationErrorSchema = z.object({ code: z.string(), message: z.string() });
export type OperationError = z.infer<typeof OperationErrorSchema>;

/** Typed parameters per operation type; `params` of an Operation holds one of these. */
export const OperationParamsSchemas = {
  'scale-horizontal': z.object({
    replicas: z.number().int().min(1).max(9),
    /** New shard count (MongoDB sharded, Redis cluster). */
    shards: z.number().int().min(1).max(9).optional(),
  }),
  'scale-vertical': z.object({ cpu: z.string().optional(), memory: z.string().optional() }),
  'expand-volume': z.object({
    size: z.string(),
    mode: z.enum(['Online', 'Offline']).default('Online'),
  }),
  'update-version': z.object({ targetVersion: z.string() }),
  /** Without `secretName` KubeDB generates a new password. */
  'rotate-credentials': z.object({ secretName: z.string().optional() }),
  backup: z.object({ backupId: IdSchema.optional() }),
  restore: z.object({ backupId: IdSchema, newName: z.string().optional() }),
} as const;

/**
 * A unit of long work on one database, followed to completion by a worker. `opsRequestName` is the
 * deterministic name of the OpsRequest it applies (derived from `id`), so a retry finds the same object.
 */
export const OperationSchema = z.object({
  id: IdSchema,
  type: OperationTypeSchema,
  databaseId: IdSchema,
  status: OperationStatusSchema,
  progress: z.number().min(0).max(100),
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().min(1).default(3),
  steps: z.array(OperationStepSchema),
  error: OperationErrorSchema.nullable(),
  params: z.record(z.string(), z.unknown()),
  opsRequestName: z.string().nullable(),
  /** Who asked for it (user id, api key id or `system` for the reconciler). */
  requestedBy: z.string().optional(),
  startedAt: IsoTimeSchema.nullable(),
  finishedAt: IsoTimeSchema.nullable(),
  ...RecordMetaShape,
});
export type Operation = z.infer<typeof OperationSchema>;
