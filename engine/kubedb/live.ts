import {
  compareQuantities,
  isQuantity,
  parseCpuMillicores,
  type DatabaseSpec,
  type DriftEntry,
  type OperationType,
} from '../domain';
import { MAIN_CONTAINERS, type KubeObject } from './types';

/** The desired-comparable fields of a live KubeDB object, in the Database's terms. */
export interface LiveSpec {
  replicas: number | null;
  /** Shard count (MongoDB sharded, Redis cluster); null elsewhere. */
  shards: number | null;
  version: string | null;
  cpu: string | null;
  memory: string | null;
  storageSize: string | null;
  halted: boolean;
}

type Json = Record<string, unknown>;

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}

const asNumber = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const asString = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;

/**
 * Where the data pods' replicas, pod template and storage live for an engine and mode: the top of
 * the spec, MongoDB's `shardTopology.shard`, Elasticsearch's `topology.data`, Redis's `cluster`.
 */
function locate(database: Pick<DatabaseSpec, 'engine' | 'mode'>, spec: Json) {
  if (database.engine === 'mongodb' && database.mode === 'sharded') {
    const shard = at(spec, 'shardTopology', 'shard');
    return {
      replicas: at(shard, 'replicas'),
      shards: at(shard, 'shards'),
      pods: shard,
      storage: at(shard, 'storage'),
    };
  }
  if (database.engine === 'elasticsearch' && database.mode === 'topology') {
    const data = at(spec, 'topology', 'data');
    return {
      replicas: at(data, 'replicas'),
      shards: undefined,
      pods: data,
      storage: at(data, 'storage'),
    };
  }
  if (database.engine === 'redis' && database.mode === 'cluster') {
    return {
      replicas: at(spec, 'cluster', 'replicas'),
      shards: at(spec, 'cluster', 'shards'),
      pods: spec,
      storage: at(spec, 'storage'),
    };
  }
  // KubeDB defaults spec.replicas to 1 when absent.
  return {
    replicas: at(spec, 'replicas') ?? 1,
    shards: undefined,
    pods: spec,
    storage: at(spec, 'storage'),
  };
}

/** Reads a live kubedb.com/v1 object of `database`'s engine and mode. */
export function extractLiveSpec(
  database: Pick<DatabaseSpec, 'engine' | 'mode'>,
  object: KubeObject,
): LiveSpec {
  const spec = (object.spec ?? {}) as Json;
  const place = locate(database, spec);
  const containers = at(place.pods, 'podTemplate', 'spec', 'containers');
  const main = Array.isArray(containers)
    ? (containers as Json[]).find(
        (container) => container.name === MAIN_CONTAINERS[database.engine],
      )
    : undefined;
  return {
    replicas: asNumber(place.replicas),
    shards: asNumber(place.shards),
    version: asString(spec.version),
    cpu: asString(at(main, 'resources', 'requests', 'cpu')),
    // A missing memory request takes the limit (REFERENCE 2.1).
    memory: asString(
      at(main, 'resources', 'requests', 'memory') ?? at(main, 'resources', 'limits', 'memory'),
    ),
    storageSize: asString(at(place.storage, 'resources', 'requests', 'storage')),
    halted: spec.halted === true,
  };
}

function sameQuantity(desired: string, live: string | null, cpu = false): boolean {
  if (live === null || !isQuantity(live)) return false;
  return cpu
    ? parseCpuMillicores(desired) === parseCpuMillicores(live)
    : compareQuantities(desired, live) === 0;
}

/**
 * Differences between what is stored and what runs: replicas, shards, version, cpu, memory,
 * storage size and halted. Quantities compare by value (`1Gi` equals `1024Mi`).
 */
export function computeDrift(database: DatabaseSpec, live: LiveSpec): DriftEntry[] {
  const drift: DriftEntry[] = [];
  const add = (path: string, desired: unknown, liveValue: unknown) =>
    drift.push({ path, desired, live: liveValue });
  if (live.replicas !== database.replicas) add('replicas', database.replicas, live.replicas);
  const shards = database.topology.shards;
  if (shards !== undefined && live.shards !== null && live.shards !== shards)
    add('topology.shards', shards, live.shards);
  if (live.version !== database.version) add('version', database.version, live.version);
  if (!sameQuantity(database.resources.cpu, live.cpu, true))
    add('resources.cpu', database.resources.cpu, live.cpu);
  if (!sameQuantity(database.resources.memory, live.memory))
    add('resources.memory', database.resources.memory, live.memory);
  if (!sameQuantity(database.storage.size, live.storageSize))
    add('storage.size', database.storage.size, live.storageSize);
  if (live.halted !== database.halted) add('halted', database.halted, live.halted);
  return drift;
}

/** One operation the reconciler should queue to repair drift. */
export interface RepairStep {
  type: OperationType;
  params: Record<string, unknown>;
}

/**
 * Turns drift into operations, in a safe order: resume first (a halted database runs no
 * OpsRequest), then version, replicas, resources, storage, and pause last. A volume larger than
 * desired cannot shrink, so that drift is reported as unrepairable rather than fought.
 */
export function planDriftRepair(
  database: DatabaseSpec,
  drift: readonly DriftEntry[],
): { steps: RepairStep[]; unrepairable: DriftEntry[] } {
  const paths = new Map(drift.map((entry) => [entry.path, entry]));
  const steps: RepairStep[] = [];
  const unrepairable: DriftEntry[] = [];
  if (paths.has('halted') && !database.halted) steps.push({ type: 'resume', params: {} });
  if (paths.has('version'))
    steps.push({ type: 'update-version', params: { targetVersion: database.version } });
  if (paths.has('replicas') || paths.has('topology.shards')) {
    const shards = paths.has('topology.shards') ? { shards: database.topology.shards } : {};
    steps.push({ type: 'scale-horizontal', params: { replicas: database.replicas, ...shards } });
  }
  if (paths.has('resources.cpu') || paths.has('resources.memory')) {
    steps.push({
      type: 'scale-vertical',
      params: { cpu: database.resources.cpu, memory: database.resources.memory },
    });
  }
  const storage = paths.get('storage.size');
  if (storage) {
    const live = typeof storage.live === 'string' && isQuantity(storage.live) ? storage.live : null;
    if (live === null || compareQuantities(database.storage.size, live) > 0) {
      steps.push({
        type: 'expand-volume',
        params: { size: database.storage.size, mode: 'Online' },
      });
    } else {
      unrepairable.push(storage);
    }
  }
  if (paths.has('halted') && database.halted) steps.push({ type: 'pause', params: {} });
  return { steps, unrepairable };
}
