import {
  ENGINE_PORTS,
  resolveTopology,
  type DatabaseSpec,
  type DatabaseStatus,
  type Endpoint,
  type OperationType,
} from '../domain';
import type { KubeObject } from './types';

/** KubeDB database phases (REFERENCE 4). */
export const KUBEDB_PHASES = [
  'Provisioning',
  'DataRestoring',
  'Ready',
  'Critical',
  'NotReady',
  'Halted',
  'Unknown',
] as const;

/** The product status an active operation shows while it runs. */
const OPERATION_STATUS: Partial<Record<OperationType, DatabaseStatus>> = {
  create: 'PROVISIONING',
  restore: 'PROVISIONING',
  delete: 'DELETING',
  'scale-horizontal': 'SCALING',
  'scale-vertical': 'SCALING',
  'expand-volume': 'SCALING',
  'update-version': 'UPDATING',
  restart: 'UPDATING',
  'rotate-credentials': 'UPDATING',
  'repair-drift': 'UPDATING',
  'update-settings': 'UPDATING',
  pause: 'UPDATING',
  resume: 'UPDATING',
};

/** The product status a database shows while an operation of `type` runs on it. */
export function statusDuring(type: OperationType): DatabaseStatus {
  return OPERATION_STATUS[type] ?? 'RUNNING';
}

/** What the status sync knows when it maps a live database. */
export interface StatusInput {
  /** KubeDB's `status.phase`, '' when unset; null when the object does not exist. */
  phase: string | null;
  /** The object carries a `deletionTimestamp`. */
  deleting?: boolean;
  /** The type of the operation running on the database, if any. */
  activeOperation?: OperationType | null;
  /** The status shown so far (kept for `Unknown`, when health checking is paused). */
  previous?: DatabaseStatus;
}

/** A mapped status. `failing` marks a FAILED candidate that the caller confirms after it persists. */
export interface MappedStatus {
  status: DatabaseStatus;
  failing: boolean;
}

/**
 * KubeDB phase -> product status. Critical and NotReady (and a legacy `Failed`) map to FAILED with
 * `failing: true`: the caller shows FAILED only once that has lasted its threshold (see
 * `confirmFailure`), because rolling restarts pass through those phases. A running operation wins
 * over a degraded phase for the same reason; Halted wins over everything but deletion.
 */
export function mapDatabaseStatus(input: StatusInput): MappedStatus {
  const ok = (status: DatabaseStatus): MappedStatus => ({ status, failing: false });
  if (input.deleting) return ok('DELETING');
  if (input.phase === null) return ok(input.activeOperation === 'delete' ? 'DELETED' : 'PENDING');
  if (input.phase === 'Halted' && input.activeOperation !== 'resume') return ok('PAUSED');
  const operationStatus = input.activeOperation
    ? OPERATION_STATUS[input.activeOperation]
    : undefined;
  if (operationStatus === 'PROVISIONING' && input.phase === 'Ready') return ok('RUNNING');
  if (operationStatus) return ok(operationStatus);
  switch (input.phase) {
    case '':
    case 'Provisioning':
    case 'DataRestoring':
      return ok('PROVISIONING');
    case 'Ready':
      return ok('RUNNING');
    case 'Critical':
    case 'NotReady':
    case 'Failed':
      return { status: 'FAILED', failing: true };
    default:
      // Unknown: health checks are paused, so nothing new is known.
      return ok(input.previous ?? 'PROVISIONING');
  }
}

/**
 * Applies the persistence threshold to a failing status: FAILED once it has lasted `thresholdMs`
 * since `failingSinceMs`, otherwise the previous status (RUNNING when there was none worth keeping).
 */
export function confirmFailure(
  mapped: MappedStatus,
  options: { previous: DatabaseStatus; failingSinceMs: number; nowMs: number; thresholdMs: number },
): DatabaseStatus {
  if (!mapped.failing) return mapped.status;
  if (options.nowMs - options.failingSinceMs >= options.thresholdMs) return 'FAILED';
  return options.previous === 'FAILED' || options.previous === 'PENDING'
    ? 'RUNNING'
    : options.previous;
}

/** The primary Service of a database: `<name>.<namespace>.svc` and the engine's client port. */
export function endpointFor(
  database: Pick<DatabaseSpec, 'engine' | 'name' | 'namespace'>,
): Endpoint {
  return {
    host: `${database.name}.${database.namespace}.svc`,
    port: ENGINE_PORTS[database.engine],
  };
}

/** The endpoint to show for a phase: null until the Services exist, and while halted. */
export function endpointForPhase(
  database: Pick<DatabaseSpec, 'engine' | 'name' | 'namespace'>,
  phase: string | null,
): Endpoint | null {
  if (phase === null || phase === '' || phase === 'Provisioning' || phase === 'Halted') return null;
  return endpointFor(database);
}

/** How many database pods a database should have when healthy (all components counted). */
export function expectedPods(
  database: Pick<DatabaseSpec, 'engine' | 'mode' | 'replicas' | 'topology'>,
): number {
  const topology = resolveTopology(database.engine, database.mode, database.topology);
  if (database.engine === 'mongodb' && database.mode === 'sharded') {
    return (
      (topology.shards ?? 0) * database.replicas +
      (topology.configServers ?? 0) +
      (topology.mongos ?? 0)
    );
  }
  if (database.engine === 'redis' && database.mode === 'cluster')
    return (topology.shards ?? 0) * database.replicas;
  if (database.engine === 'elasticsearch' && database.mode === 'topology') {
    return (topology.masters ?? 0) + (topology.ingest ?? 0) + database.replicas;
  }
  return database.mode === 'standalone' ? 1 : database.replicas;
}

function isReadyPod(pod: KubeObject): boolean {
  const status = pod.status as
    { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  if (status?.phase !== 'Running') return false;
  return (status.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

/**
 * Ready database pods of `name`, selected by KubeDB's `app.kubernetes.io/instance` label. Sentinel
 * pods of sentinel-mode Redis are another instance (`<db>-sentinel`) and are not counted.
 */
export function readyReplicasFromPods(pods: readonly KubeObject[], name: string): number {
  return pods
    .filter(
      (pod) =>
        pod.metadata.labels?.['app.kubernetes.io/instance'] === name &&
        !pod.metadata.deletionTimestamp &&
        !isExtraMember(pod),
    )
    .filter(isReadyPod).length;
}

/**
 * Pods KubeDB runs beside the data replicas, which `spec.replicas` does not count: the Postgres
 * arbiter (`kubedb.com/role: arbiter`) and MongoDB's arbiter and hidden members (`node.type`).
 */
export function isExtraMember(pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  const nodeType = labels['mongodb.kubedb.com/node.type'];
  return labels['kubedb.com/role'] === 'arbiter' || nodeType === 'arbiter' || nodeType === 'hidden';
}

/** Ready replicas summed over the PetSets of `name` (`<name>` and `<name>-<component>`, not the sentinel). */
export function readyReplicasFromPetSets(petSets: readonly KubeObject[], name: string): number {
  return petSets
    .filter((petSet) => petSet.metadata.labels?.['app.kubernetes.io/instance'] === name)
    .reduce(
      (sum, petSet) =>
        sum + Number((petSet.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0),
      0,
    );
}

/** KubeDB's phase of a live database object ('' when the operator has not set one). */
export function phaseOf(object: KubeObject | null): string | null {
  if (!object) return null;
  const phase = (object.status as { phase?: unknown } | undefined)?.phase;
  return typeof phase === 'string' ? phase : '';
}

/** The message of the first failing condition of a live object: the reason to show next to its status. */
export function statusReasonOf(object: KubeObject | null): string | null {
  const conditions = (
    object?.status as
      | { conditions?: { status: string; type: string; reason?: string; message?: string }[] }
      | undefined
  )?.conditions;
  const failing = conditions?.find(
    (condition) => condition.status === 'False' && condition.type !== 'Paused',
  );
  if (!failing) return null;
  return failing.message || failing.reason || `${failing.type} is False`;
}
