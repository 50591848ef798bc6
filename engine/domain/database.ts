import { z } from 'zod';
import { BackupPolicySchema } from './backup';
import {
  ConditionSchema,
  DATABASE_NAME_MAX_LENGTH,
  IdSchema,
  IsoTimeSchema,
  LabelsSchema,
  RecordMetaShape,
  TENANT_NAME_MAX_LENGTH,
  dnsLabelSchema,
} from './common';
import { DatabaseModeSchema, EngineSchema } from './engine';
import { LIMITS, MIN_STORAGE } from './limits';
import { quantitySchema } from './quantity';

/**
 * The product's status of a database (API.md); `phase` keeps KubeDB's own. `UNKNOWN` is never
 * stored: reads derive it when the database's cluster cannot be reached or its data cannot be
 * confirmed (see `withEffectiveStatus`), and keep the stored status as `lastKnownStatus`.
 */
export const DATABASE_STATUSES = [
  'PENDING',
  'PROVISIONING',
  'RUNNING',
  'UPDATING',
  'SCALING',
  'PAUSED',
  'FAILED',
  'DELETING',
  'DELETED',
  'UNKNOWN',
] as const;
export const DatabaseStatusSchema = z.enum(DATABASE_STATUSES);
export type DatabaseStatus = z.infer<typeof DatabaseStatusSchema>;

/** CPU and memory of the engine's main container (requests; memory is also the limit). */
export const ResourcesSchema = z.object({
  cpu: quantitySchema('resources.cpu', { min: '10m', max: '64' }),
  memory: quantitySchema('resources.memory', { min: '64Mi', max: '512Gi' }),
});
export type Resources = z.infer<typeof ResourcesSchema>;

const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The volume of each data pod. `size` is bounded by the absolute maximum; limits.ts checks the configured one. */
export const StorageSchema = z.object({
  size: quantitySchema('storage.size', { min: MIN_STORAGE, max: LIMITS.storagePerDatabase.max }),
  storageClass: z
    .string()
    .max(253, { error: 'storage.storageClass must be at most 253 characters' })
    .regex(STORAGE_CLASS, { error: 'storage.storageClass must be a DNS-1123 subdomain' })
    .optional(),
});
export type Storage = z.infer<typeof StorageSchema>;

/** KubeDB's `spec.deletionPolicy`. */
export const DeletionPolicySchema = z.enum(['Delete', 'WipeOut', 'DoNotTerminate', 'Halt'], {
  error: 'deletionPolicy must be one of Delete, WipeOut, DoNotTerminate, Halt',
});
export type DeletionPolicy = z.infer<typeof DeletionPolicySchema>;

function count(field: string, min: number) {
  return z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be an integer` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(9, { error: `${field} must be at most 9` });
}

/**
 * Mode-specific shape beyond `replicas`. Which fields a mode accepts (and their defaults) is decided
 * by `TOPOLOGY_FIELDS` in database-request.ts:
 * postgres cluster `standbyMode`, `streamingMode`; mongodb sharded `shards`, `configServers`, `mongos`;
 * redis cluster `shards`; redis sentinel `sentinels`; elasticsearch topology `masters`, `ingest`.
 */
export const TopologySchema = z.object({
  standbyMode: z
    .enum(['Hot', 'Warm'], { error: 'topology.standbyMode must be Hot or Warm' })
    .optional(),
  streamingMode: z
    .enum(['Asynchronous', 'Synchronous'], {
      error: 'topology.streamingMode must be Asynchronous or Synchronous',
    })
    .optional(),
  shards: count('topology.shards', 1).optional(),
  configServers: count('topology.configServers', 1).optional(),
  mongos: count('topology.mongos', 1).optional(),
  sentinels: count('topology.sentinels', 1).optional(),
  masters: count('topology.masters', 1).optional(),
  ingest: count('topology.ingest', 1).optional(),
});
export type Topology = z.infer<typeof TopologySchema>;

/** Where clients connect: the primary Service `<name>.<namespace>.svc` and the engine's port. */
export const EndpointSchema = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65_535),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

/** One difference between the desired (stored) and the live (cluster) state. */
export const DriftEntrySchema = z.object({
  /** A dotted path in the Database's terms: `replicas`, `version`, `resources.cpu`, `storage.size`, `halted`. */
  path: z.string(),
  desired: z.unknown(),
  live: z.unknown(),
  /** When this difference (this desired and this live value) was first seen. */
  firstSeenAt: z.string().optional(),
  /**
   * Why the engine does not repair it (KubeDB refused the repair, or cannot do it, e.g. a
   * downgrade): reported once, not retried until the desired or the live value changes.
   */
  refused: z.object({ reason: z.string(), at: z.string() }).optional(),
});
export type DriftEntry = z.infer<typeof DriftEntrySchema>;

/** How a difference between desired and live state ended (or why it stays). */
export const DriftResolutionSchema = z.enum(['repaired', 'adopted', 'refused', 'reverted-by-hand']);
export type DriftResolution = z.infer<typeof DriftResolutionSchema>;

/**
 * One difference the engine saw and what became of it: repaired by an operation, adopted into the
 * desired state, refused (with the reason; it may still be current) or changed back by hand.
 */
export const DriftHistoryEntrySchema = z.object({
  path: z.string(),
  desired: z.unknown(),
  live: z.unknown(),
  firstSeenAt: z.string().nullable(),
  resolvedAt: z.string(),
  resolution: DriftResolutionSchema,
  /** Who resolved it: `system` (the reconciler), the user of the operation, or null when unknown. */
  actor: z.string().nullable(),
  /** The operation that resolved it (a repair, the change that adopted it), when there was one. */
  operationId: z.string().nullable(),
  /** Why it was refused. */
  reason: z.string().optional(),
});
export type DriftHistoryEntry = z.infer<typeof DriftHistoryEntrySchema>;

/** Ready and desired pods of one role of a topology (a shard, MongoDB's mongos, an ES node role). */
export const ReplicaRoleSchema = z.object({
  role: z.string(),
  ready: z.number().int().nonnegative(),
  desired: z.number().int().nonnegative(),
});
export type ReplicaRole = z.infer<typeof ReplicaRoleSchema>;

/** A database name: a DNS-1035 label short enough that every name KubeDB derives from it fits. */
export const DatabaseNameSchema = dnsLabelSchema('name', DATABASE_NAME_MAX_LENGTH);
/** A domain or project name; `<domain>-<project>` is the namespace. */
export const DomainNameSchema = dnsLabelSchema('domain', TENANT_NAME_MAX_LENGTH);
export const ProjectNameSchema = dnsLabelSchema('project', TENANT_NAME_MAX_LENGTH);

/** The namespace of a project's databases. */
export function namespaceFor(domain: string, project: string): string {
  return `${domain}-${project}`;
}

/**
 * A catalog version name (`spec.version`, e.g. `16.4`, `xpack-8.19.9`, `8.0.31-innodb`): KubeDB
 * catalog object names, not necessarily the upstream version number.
 */
export const CatalogVersionNameSchema = z
  .string({ error: 'version must be a string' })
  .min(1, { error: 'version must not be empty' })
  .max(63, { error: 'version must be at most 63 characters' })
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: 'version must be a KubeDB catalog version name such as "16.4" or "xpack-8.19.9"',
  });

/**
 * A database: desired state (what the user asked for) and observed state (what the status sync saw).
 * `version` is the KubeDB catalog version name; the store's optimistic-concurrency counter is
 * `revision`, named so to keep the two apart. `halted` is the desired pause state (`spec.halted`).
 */
export const DatabaseSchema = z.object({
  id: IdSchema,
  name: DatabaseNameSchema,
  engine: EngineSchema,
  version: CatalogVersionNameSchema,
  domain: DomainNameSchema,
  project: ProjectNameSchema,
  providerId: IdSchema,
  namespace: z.string().min(1).max(63),
  replicas: z.number().int().min(1).max(LIMITS.replicasPerDatabase.max),
  mode: DatabaseModeSchema,
  topology: TopologySchema,
  resources: ResourcesSchema,
  storage: StorageSchema,
  deletionPolicy: DeletionPolicySchema,
  halted: z.boolean(),
  status: DatabaseStatusSchema,
  /** KubeDB's `status.phase` as last seen ('' before the operator set one). */
  phase: z.string(),
  /** Ready pods of the database, every component counted (compare with `desiredReplicas`). */
  readyReplicas: z.number().int().nonnegative(),
  /** Stored by the status sync: ready pods per role, for topologies with roles. */
  readyByRole: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /**
   * Derived on read, never stored: the pods the topology should run, every component counted
   * (shards × replicas + config servers + mongos, …), so `readyReplicas/desiredReplicas` compare
   * the same thing.
   */
  desiredReplicas: z.number().int().nonnegative().optional(),
  /** Derived on read, never stored: ready/desired per role; empty for topologies without roles. */
  roles: z.array(ReplicaRoleSchema).optional(),
  endpoint: EndpointSchema.nullable(),
  conditions: z.array(ConditionSchema),
  drift: z.array(DriftEntrySchema),
  /** Drift that was resolved or refused, oldest first, bounded (absent before any). */
  driftHistory: z.array(DriftHistoryEntrySchema).optional(),
  activeOperationId: IdSchema.nullable(),
  /** Why the status is what it is (a failing condition's message), null when there is nothing to say. */
  statusReason: z.string().nullable(),
  backup: BackupPolicySchema.nullable(),
  labels: LabelsSchema,
  lastSyncedAt: IsoTimeSchema.nullable(),
  /**
   * Derived on read, never stored: the status last observed on the cluster. It equals `status`
   * unless `status` is UNKNOWN.
   */
  lastKnownStatus: DatabaseStatusSchema.optional(),
  /**
   * Derived on read, never stored: while `status` is UNKNOWN, the last time the cluster confirmed
   * `lastKnownStatus` (null when it never did); null while the status is live.
   */
  statusObservedAt: IsoTimeSchema.nullable().optional(),
  ...RecordMetaShape,
});
export type Database = z.infer<typeof DatabaseSchema>;

/** The desired-state part of a database: what the manifest builders need. */
export type DatabaseSpec = Pick<
  Database,
  | 'id'
  | 'name'
  | 'engine'
  | 'version'
  | 'domain'
  | 'project'
  | 'namespace'
  | 'replicas'
  | 'mode'
  | 'topology'
  | 'resources'
  | 'storage'
  | 'deletionPolicy'
  | 'halted'
  | 'labels'
>;

/**
 * The desired-state fields an operation may change, as it remembers them in `params.previous`, so
 * that a failure or an abort can put them back.
 */
export type PreviousDesiredState = Partial<
  Pick<
    Database,
    | 'replicas'
    | 'mode'
    | 'resources'
    | 'storage'
    | 'version'
    | 'halted'
    | 'topology'
    | 'deletionPolicy'
    | 'labels'
  >
>;
