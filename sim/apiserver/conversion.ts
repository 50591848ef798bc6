/**
 * Version conversion of the kubedb.com database kinds, as KubeDB's conversion webhook does: both
 * v1 and v1alpha2 are served, v1 is stored (REFERENCE section 10.1). Writes in v1alpha2 are
 * converted to v1 before pruning and validation; reads and watches in v1alpha2 are converted back.
 */
import type { KubeObject } from '../core/contract';

type Json = Record<string, unknown>;

const MAIN: Record<string, string> = {
  Postgres: 'postgres',
  MySQL: 'mysql',
  MongoDB: 'mongodb',
  MariaDB: 'mariadb',
  Redis: 'redis',
  RedisSentinel: 'redissentinel',
  Elasticsearch: 'elasticsearch',
};
const COORDINATOR: Record<string, string> = {
  Postgres: 'pg-coordinator',
  MySQL: 'mysql-coordinator',
  MongoDB: 'replication-mode-detector',
  MariaDB: 'md-coordinator',
  Redis: 'rd-coordinator',
};
/** v1alpha2 pod-template fields that belong to the main container in v1 (v1alpha2 → v1 name). */
const CONTAINER_FIELDS: [string, string][] = [
  ['args', 'args'],
  ['env', 'env'],
  ['lifecycle', 'lifecycle'],
  ['livenessProbe', 'livenessProbe'],
  ['readinessProbe', 'readinessProbe'],
  ['resources', 'resources'],
  ['volumeMounts', 'volumeMounts'],
  ['containerSecurityContext', 'securityContext'],
];
/** v1alpha2 fields v1 has no place for (replaced by podPlacementPolicy). */
const DROPPED = ['affinity', 'topologySpreadConstraints'];
const ES_NODES = [
  'master',
  'ingest',
  'data',
  'dataHot',
  'dataWarm',
  'dataCold',
  'dataFrozen',
  'dataContent',
  'ml',
  'transform',
  'coordinating',
];

const rec = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

/** Whether objects of this group/kind are converted between versions. */
export function converts(group: string, kind: string): boolean {
  return group === 'kubedb.com' && kind in MAIN;
}

function containers(podSpec: Json): Json[] {
  if (!Array.isArray(podSpec.containers)) podSpec.containers = [];
  return podSpec.containers as Json[];
}

function containerNamed(podSpec: Json, name: string, create: boolean): Json | undefined {
  const list = containers(podSpec);
  let c = list.find((x) => rec(x)?.name === name);
  if (!c && create) {
    c = { name };
    list.push(c);
  }
  return c;
}

/** v1alpha2 flat pod spec → v1 pod spec with the container fields moved into `main`. */
function podSpecUp(spec: Json | undefined, main: string): void {
  if (!spec) return;
  for (const f of DROPPED) delete spec[f];
  const moved = CONTAINER_FIELDS.filter(([from]) => spec[from] !== undefined);
  if (moved.length === 0) return;
  const c = containerNamed(spec, main, true) as Json;
  for (const [from, to] of moved) {
    c[to] ??= spec[from];
    delete spec[from];
  }
}

/** v1 pod spec → v1alpha2 flat pod spec (the main container's fields lifted out). */
function podSpecDown(spec: Json | undefined, main: string): void {
  if (!spec) return;
  const list = Array.isArray(spec.containers) ? (spec.containers as Json[]) : [];
  const c = list.find((x) => rec(x)?.name === main);
  if (c) for (const [from, to] of CONTAINER_FIELDS) if (c[to] !== undefined) spec[from] = c[to];
  delete spec.containers;
}

function toV1(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  const main = MAIN[obj.kind] ?? '';
  if (spec.terminationPolicy !== undefined) {
    spec.deletionPolicy = spec.terminationPolicy;
    delete spec.terminationPolicy;
  }
  const podSpec = rec(rec(spec.podTemplate)?.spec);
  const coordinator = rec(spec.coordinator);
  if (coordinator) {
    delete spec.coordinator;
    const name = COORDINATOR[obj.kind];
    if (
      name &&
      (coordinator.resources !== undefined || coordinator.securityContext !== undefined)
    ) {
      const template = rec(spec.podTemplate) ?? (spec.podTemplate = {});
      const ps = rec(template.spec) ?? (template.spec = {});
      const c = containerNamed(ps, name, true) as Json;
      if (coordinator.resources !== undefined) c.resources ??= coordinator.resources;
      if (coordinator.securityContext !== undefined)
        c.securityContext ??= coordinator.securityContext;
    }
  }
  podSpecUp(podSpec, main);
  const cluster = rec(spec.cluster);
  if (obj.kind === 'Redis' && cluster && cluster.master !== undefined) {
    cluster.shards = cluster.master;
    delete cluster.master;
    if (typeof cluster.replicas === 'number') cluster.replicas = cluster.replicas + 1;
  }
  const topology = rec(spec.topology);
  if (obj.kind === 'Elasticsearch' && topology)
    for (const n of ES_NODES) {
      const node = rec(topology[n]);
      if (!node) continue;
      const moving = ['resources', 'nodeSelector', 'tolerations'].filter(
        (f) => node[f] !== undefined,
      );
      if (moving.length === 0) continue;
      const template = rec(node.podTemplate) ?? (node.podTemplate = {});
      const ps = rec(template.spec) ?? (template.spec = {});
      if (node.resources !== undefined)
        (containerNamed(ps, main, true) as Json).resources ??= node.resources;
      if (node.nodeSelector !== undefined) ps.nodeSelector ??= node.nodeSelector;
      if (node.tolerations !== undefined) ps.tolerations ??= node.tolerations;
      for (const f of moving) delete node[f];
    }
}

function toV1alpha2(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  const main = MAIN[obj.kind] ?? '';
  if (spec.deletionPolicy !== undefined) {
    spec.terminationPolicy = spec.deletionPolicy;
    delete spec.deletionPolicy;
  }
  const podSpec = rec(rec(spec.podTemplate)?.spec);
  const name = COORDINATOR[obj.kind];
  const list = Array.isArray(podSpec?.containers) ? (podSpec.containers as Json[]) : [];
  const coordinator = name ? list.find((x) => rec(x)?.name === name) : undefined;
  if (
    coordinator &&
    (coordinator.resources !== undefined || coordinator.securityContext !== undefined)
  )
    spec.coordinator = {
      ...(coordinator.resources !== undefined ? { resources: coordinator.resources } : {}),
      ...(coordinator.securityContext !== undefined
        ? { securityContext: coordinator.securityContext }
        : {}),
    };
  podSpecDown(podSpec, main);
  const cluster = rec(spec.cluster);
  if (obj.kind === 'Redis' && cluster && cluster.shards !== undefined) {
    cluster.master = cluster.shards;
    delete cluster.shards;
    if (typeof cluster.replicas === 'number') cluster.replicas = cluster.replicas - 1;
  }
  const topology = rec(spec.topology);
  if (obj.kind === 'Elasticsearch' && topology)
    for (const n of ES_NODES) {
      const node = rec(topology[n]);
      const template = rec(node?.podTemplate);
      const ps = rec(template?.spec);
      if (!node || !ps) continue;
      const c = (Array.isArray(ps.containers) ? (ps.containers as Json[]) : []).find(
        (x) => rec(x)?.name === main,
      );
      if (c?.resources !== undefined) node.resources = c.resources;
      if (ps.nodeSelector !== undefined) node.nodeSelector = ps.nodeSelector;
      if (ps.tolerations !== undefined) node.tolerations = ps.tolerations;
      delete node.podTemplate;
    }
}

/**
 * `obj` as `apiVersion` (a copy when converted; the object itself when nothing is to be done).
 * Only v1 ↔ v1alpha2 of the kubedb.com database kinds are converted.
 */
export function convertObject(obj: KubeObject, apiVersion: string): KubeObject {
  const [group = '', version = ''] = apiVersion.split('/');
  const from = obj.apiVersion?.split('/')[1];
  if (!converts(group, obj.kind) || from === version || !from) return obj;
  const out = structuredClone(obj);
  out.apiVersion = apiVersion;
  if (version === 'v1' && from === 'v1alpha2') toV1(out);
  else if (version === 'v1alpha2' && from === 'v1') toV1alpha2(out);
  return out;
}
