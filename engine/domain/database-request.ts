import { z } from 'zod';
import { BackupPolicySchema } from './backup';
import { IdSchema, LabelsSchema } from './common';
import {
  CatalogVersionNameSchema,
  DatabaseNameSchema,
  DeletionPolicySchema,
  DomainNameSchema,
  ProjectNameSchema,
  ResourcesSchema,
  StorageSchema,
  TopologySchema,
  type Resources,
  type Topology,
} from './database';
import {
  DatabaseModeSchema,
  EngineSchema,
  modeAfterScaling,
  modeForReplicas,
  isModeOf,
  modesFor,
  REPLICATED_MODES,
  replicaRuleFor,
  type DatabaseMode,
  type Engine,
} from './engine';
import { LIMITS } from './limits';

type TopologyField = keyof Topology;

/** Which topology fields each engine/mode accepts, with their defaults and lower bounds. */
export const TOPOLOGY_FIELDS: Partial<
  Record<
    `${Engine}/${DatabaseMode}`,
    Partial<Record<TopologyField, { default: number | string; min?: number }>>
  >
> = {
  'postgres/cluster': {
    standbyMode: { default: 'Hot' },
    streamingMode: { default: 'Asynchronous' },
  },
  'mongodb/sharded': {
    shards: { default: 2, min: 1 },
    configServers: { default: 3, min: 1 },
    mongos: { default: 2, min: 1 },
  },
  // REFERENCE 3.5: a Redis cluster has at least 3 shards.
  'redis/cluster': { shards: { default: 3, min: 3 } },
  'redis/sentinel': { sentinels: { default: 3, min: 1 } },
  // REFERENCE 3.6: master and ingest are required in a dedicated topology.
  'elasticsearch/topology': { masters: { default: 1, min: 1 }, ingest: { default: 1, min: 1 } },
};

/** The topology of `engine` in `mode` with every default filled in and foreign fields dropped. */
export function resolveTopology(
  engine: Engine,
  mode: DatabaseMode,
  topology: Topology = {},
): Topology {
  const fields = TOPOLOGY_FIELDS[`${engine}/${mode}`] ?? {};
  const resolved: Record<string, number | string> = {};
  for (const [field, rule] of Object.entries(fields)) {
    resolved[field] = topology[field as TopologyField] ?? rule.default;
  }
  return resolved;
}

/** Main-container defaults when a request names no resources (REFERENCE 2.1). */
export function defaultResourcesFor(engine: Engine): Resources {
  return engine === 'elasticsearch'
    ? { cpu: '500m', memory: '1536Mi' }
    : { cpu: '500m', memory: '1Gi' };
}

/** Reports engine/mode/replicas/topology rule violations on `ctx`, naming the field. */
function checkModeRules(
  value: {
    engine: Engine;
    mode?: DatabaseMode | undefined;
    replicas?: number | undefined;
    topology?: Topology | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const mode = value.mode ?? modeForReplicas(value.engine, value.replicas);
  if (!isModeOf(value.engine, mode)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mode'],
      message: `mode must be one of ${modesFor(value.engine).join(', ')} for engine ${value.engine}`,
    });
    return;
  }
  if (value.replicas !== undefined) {
    const rule = replicaRuleFor(value.engine, mode);
    if (value.replicas < rule.min || value.replicas > rule.max) {
      const range =
        rule.min === rule.max ? `exactly ${rule.min}` : `between ${rule.min} and ${rule.max}`;
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message: `replicas must be ${range} for ${value.engine} mode ${mode}: ${rule.reason}`,
      });
    }
  }
  const allowed = TOPOLOGY_FIELDS[`${value.engine}/${mode}`] ?? {};
  for (const [field, given] of Object.entries(value.topology ?? {})) {
    if (given === undefined) continue;
    const rule = allowed[field as TopologyField];
    if (!rule) {
      ctx.addIssue({
        code: 'custom',
        path: ['topology', field],
        message: `topology.${field} is not allowed for ${value.engine} mode ${mode}`,
      });
    } else if (typeof given === 'number' && rule.min !== undefined && given < rule.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['topology', field],
        message: `topology.${field} must be at least ${rule.min} for ${value.engine} mode ${mode}`,
      });
    }
  }
}

const replicasField = z
  .number({ error: 'replicas must be a number' })
  .int({ error: 'replicas must be an integer' })
  .min(1, { error: 'replicas must be at least 1' })
  .max(LIMITS.replicasPerDatabase.max, {
    error: `replicas must be at most ${LIMITS.replicasPerDatabase.max}`,
  });

/**
 * `POST /databases`. Parsing fills the defaults: `mode` (standalone, or combined for Elasticsearch),
 * `replicas` (per mode), `topology` (per mode), `resources` (per engine), `deletionPolicy` (Delete).
 * Mode rules (REFERENCE 3 and 10.14) are checked here; configured limits by `checkDatabaseLimits`.
 */
export const CreateDatabaseRequestSchema = z
  .object({
    name: DatabaseNameSchema,
    engine: EngineSchema,
    version: CatalogVersionNameSchema,
    domain: DomainNameSchema,
    project: ProjectNameSchema,
    replicas: replicasField.optional(),
    mode: DatabaseModeSchema.optional(),
    topology: TopologySchema.optional(),
    resources: ResourcesSchema.optional(),
    storage: StorageSchema,
    providerId: IdSchema.optional(),
    region: z.string().max(64).optional(),
    deletionPolicy: DeletionPolicySchema.default('Delete'),
    backup: BackupPolicySchema.optional(),
    labels: LabelsSchema.default({}),
  })
  .superRefine(checkModeRules)
  .transform((value) => {
    const mode = value.mode ?? modeForReplicas(value.engine, value.replicas);
    return {
      ...value,
      mode,
      replicas: value.replicas ?? replicaRuleFor(value.engine, mode).default,
      topology: resolveTopology(value.engine, mode, value.topology),
      resources: value.resources ?? defaultResourcesFor(value.engine),
    };
  });
/** A create request after parsing: every default filled in. */
export type CreateDatabaseRequest = z.infer<typeof CreateDatabaseRequestSchema>;
/** A create request as a client sends it. */
export type CreateDatabaseRequestInput = z.input<typeof CreateDatabaseRequestSchema>;

/**
 * `PATCH /databases/:id`: at least one of replicas, resources (either or both), storage size,
 * version, deletionPolicy, labels.
 * Rules that depend on the current database (mode's replica range, storage only growing, allowed
 * upgrade targets) are checked by `checkPatchAgainst` and the catalog.
 */
export const PatchDatabaseRequestSchema = z
  .object({
    replicas: replicasField.optional(),
    resources: z
      .object({
        cpu: ResourcesSchema.shape.cpu.optional(),
        memory: ResourcesSchema.shape.memory.optional(),
      })
      .refine((value) => value.cpu !== undefined || value.memory !== undefined, {
        error: 'resources must name cpu, memory or both',
      })
      .optional(),
    storage: z.object({ size: StorageSchema.shape.size }).optional(),
    version: CatalogVersionNameSchema.optional(),
    deletionPolicy: DeletionPolicySchema.optional(),
    /** The database's own labels, replacing the old ones (the engine's labels are added to them). */
    labels: LabelsSchema.refine(
      (labels) => Object.keys(labels).every((key) => !RESERVED_LABEL.test(key)),
      {
        error:
          "labels must not use the engine's keys (dbaas.kubedb.dev/*, app.kubernetes.io/managed-by)",
      },
    ).optional(),
  })
  .refine(
    (value) =>
      value.replicas !== undefined ||
      value.resources !== undefined ||
      value.storage !== undefined ||
      value.version !== undefined ||
      value.deletionPolicy !== undefined ||
      value.labels !== undefined,
    {
      error:
        'a patch must change at least one of replicas, resources, storage, version, deletionPolicy, labels',
    },
  );

/** Label keys the engine sets on every object it manages. */
const RESERVED_LABEL = /^(dbaas\.kubedb\.dev\/|app\.kubernetes\.io\/managed-by$)/;
export type PatchDatabaseRequest = z.infer<typeof PatchDatabaseRequestSchema>;

/**
 * Checks a patch against the database it changes: the replica range of the mode the database will
 * be in (a Postgres follows its replica count, see `modeAfterScaling`), with KubeDB's reason when it
 * refuses. Returns problems.
 */
export function checkPatchAgainst(
  database: { engine: Engine; mode: DatabaseMode },
  patch: PatchDatabaseRequest,
): { path: string; rule: string; message: string }[] {
  if (patch.replicas === undefined) return [];
  const mode = modeAfterScaling(database.engine, database.mode, patch.replicas);
  const rule = replicaRuleFor(database.engine, mode);
  if (patch.replicas >= rule.min && patch.replicas <= rule.max) return [];
  if (mode === 'standalone') {
    return [
      {
        path: 'replicas',
        rule: 'mode',
        message: `horizontal scaling is not supported for a standalone ${database.engine} (KubeDB refuses it); a ${database.engine} with more than 1 replica is created in mode ${REPLICATED_MODES[database.engine]}`,
      },
    ];
  }
  const range =
    rule.min === rule.max ? `exactly ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  return [
    {
      path: 'replicas',
      rule: 'mode',
      message: `replicas must be ${range} for ${database.engine} mode ${mode}: ${rule.reason}`,
    },
  ];
}

/** `POST /databases/:id/actions/:action`. */
export const DatabaseActionSchema = z.enum(['restart', 'pause', 'resume', 'rotate-credentials'], {
  error: 'action must be one of restart, pause, resume, rotate-credentials',
});
export type DatabaseAction = z.infer<typeof DatabaseActionSchema>;
