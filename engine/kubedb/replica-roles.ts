import { resolveTopology, type DatabaseSpec, type ReplicaRole } from '../domain';
import type { KubeObject } from './types';

type Spec = Pick<DatabaseSpec, 'engine' | 'mode' | 'replicas' | 'topology' | 'name'>;

/**
 * The pod labels that name a pod's role (REFERENCE 5): MongoDB's shard/config/mongos labels,
 * Redis cluster's shard, Elasticsearch's `kubedb.com/role-<node>` set labels.
 */
export const ROLE_LABELS = [
  'mongodb.kubedb.com/node.shard',
  'mongodb.kubedb.com/node.config',
  'mongodb.kubedb.com/node.mongos',
  'redis.kubedb.com/shard',
  'kubedb.com/role-master',
  'kubedb.com/role-data',
  'kubedb.com/role-ingest',
  // Not roles of the topology, but members outside `spec.replicas` (Postgres arbiter, MongoDB
  // arbiter / hidden): kept so that ready counts can leave them out.
  'kubedb.com/role',
  'mongodb.kubedb.com/node.type',
] as const;

const INSTANCE = 'app.kubernetes.io/instance';

function isReady(pod: KubeObject): boolean {
  const status = pod.status as
    { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  return (
    status?.phase === 'Running' &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The roles a database's topology has, each with how many pods it should run. Empty: no roles. */
export function desiredRoles(database: Spec): { role: string; desired: number }[] {
  const topology = resolveTopology(database.engine, database.mode, database.topology);
  const shards = (n: number | undefined, per: number) =>
    Array.from({ length: n ?? 0 }, (_, i) => ({ role: `shard${i}`, desired: per }));
  if (database.engine === 'mongodb' && database.mode === 'sharded') {
    return [
      ...shards(topology.shards, database.replicas),
      { role: 'configServer', desired: topology.configServers ?? 0 },
      { role: 'mongos', desired: topology.mongos ?? 0 },
    ];
  }
  if (database.engine === 'redis' && database.mode === 'cluster')
    return shards(topology.shards, database.replicas);
  if (database.engine === 'elasticsearch' && database.mode === 'topology') {
    return [
      { role: 'master', desired: topology.masters ?? 0 },
      { role: 'data', desired: database.replicas },
      { role: 'ingest', desired: topology.ingest ?? 0 },
    ];
  }
  return [];
}

/** The role of one pod of `database`, from its labels; undefined for a database without roles. */
function roleOf(database: Spec, labels: Record<string, string>): string | undefined {
  if (database.engine === 'mongodb') {
    const shard = labels['mongodb.kubedb.com/node.shard'];
    if (shard !== undefined) return shard.slice(database.name.length + 1);
    if (labels['mongodb.kubedb.com/node.config'] !== undefined) return 'configServer';
    if (labels['mongodb.kubedb.com/node.mongos'] !== undefined) return 'mongos';
  }
  if (database.engine === 'redis') return labels['redis.kubedb.com/shard'];
  if (database.engine === 'elasticsearch') {
    for (const role of ['master', 'data', 'ingest'])
      if (labels[`kubedb.com/role-${role}`] !== undefined) return role;
  }
  return undefined;
}

/**
 * Ready pods of `database` per role, from the pods' role labels (only for topologies with roles;
 * an empty record otherwise).
 */
export function readyByRoleFromPods(
  database: Spec,
  pods: readonly KubeObject[],
): Record<string, number> {
  const roles = desiredRoles(database);
  if (roles.length === 0) return {};
  const ready: Record<string, number> = Object.fromEntries(roles.map((r) => [r.role, 0]));
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    if (labels[INSTANCE] !== database.name || pod.metadata.deletionTimestamp) continue;
    const role = roleOf(database, labels);
    if (role !== undefined && role in ready && isReady(pod)) ready[role] = (ready[role] ?? 0) + 1;
  }
  return ready;
}

/** Ready and desired per role, the desired counts from the spec now, the ready from the last look. */
export function replicaRolesOf(
  database: Spec,
  readyByRole: Record<string, number> | undefined,
): ReplicaRole[] {
  return desiredRoles(database).map(({ role, desired }) => ({
    role,
    ready: readyByRole?.[role] ?? 0,
    desired,
  }));
}
