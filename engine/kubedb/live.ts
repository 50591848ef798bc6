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

/** True for drift that re-applying the database object repairs (no OpsRequest needed). */
export function isSettingsDrift(entry: DriftEntry): boolean {
  return (
    entry.desired !== null &&
    (entry.path === 'deletionPolicy' ||
      entry.path.startsWith('spec.') ||
      entry.path.startsWith('labels.') ||
      entry.path.startsWith('annotations.'))
  );
}

/** A label or annotation added outside the console: the engine never removes what it did not set. */
export function isForeignMetadata(entry: DriftEntry): boolean {
  return entry.desired === null && /^(labels|annotations)\./.test(entry.path);
}

/** One operation the reconciler should queue to repair drift, with the drift it repairs. */
export interface RepairStep {
  type: OperationType;
  params: Record<string, unknown>;
  /** The drift paths this step repairs (a refusal of the step is recorded on them). */
  paths: string[];
}

/** A drift entry the engine will not repair, with the reason. */
export interface UnrepairableDrift {
  entry: DriftEntry;
  reason: string;
}

/** The same difference: path, desired and live value (not when it was seen). */
export function driftKey(entry: Pick<DriftEntry, 'path' | 'desired' | 'live'>): string {
  return JSON.stringify([entry.path, entry.desired, entry.live]);
}

/**
 * Keeps what was known of a difference that is still the same (first seen, a refusal), and dates
 * a new one `now`.
 */
export function carryDriftRecords(
  previous: readonly DriftEntry[],
  next: readonly DriftEntry[],
  now: string,
): DriftEntry[] {
  const known = new Map(previous.map((entry) => [driftKey(entry), entry]));
  return next.map((entry) => {
    const before = known.get(driftKey(entry));
    return {
      ...entry,
      firstSeenAt: before?.firstSeenAt ?? now,
      ...(before?.refused ? { refused: before.refused } : {}),
    };
  });
}

/** The numeric parts of a catalog version name (`xpack-8.11.1` -> [8, 11, 1]); null without any. */
function versionNumbers(name: string): number[] | null {
  const match = /\d+(?:\.\d+)*/.exec(name);
  return match ? match[0].split('.').map(Number) : null;
}

/** True when catalog version `live` is newer than `desired` (a repair would be a downgrade). */
export function isNewerVersion(live: unknown, desired: string): boolean {
  if (typeof live !== 'string') return false;
  const a = versionNumbers(live);
  const b = versionNumbers(desired);
  if (!a || !b) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return false;
}

/**
 * Turns drift into operations, in a safe order: resume first (a halted database runs no
 * OpsRequest, so nothing else is planned until it runs again), then version, replicas, resources,
 * storage, and pause last. Each step is its own operation, so that one KubeDB refuses does not keep
 * the others from running. What cannot be repaired is reported, never fought: a volume larger
 * than desired (volumes do not shrink), a version newer than desired (KubeDB does not downgrade),
 * and drift already refused.
 */
export function planDriftRepair(
  database: DatabaseSpec,
  drift: readonly DriftEntry[],
): { steps: RepairStep[]; unrepairable: UnrepairableDrift[] } {
  const open = drift.filter((entry) => !entry.refused);
  const paths = new Map(open.map((entry) => [entry.path, entry]));
  const steps: RepairStep[] = [];
  const unrepairable: UnrepairableDrift[] = [];
  if (paths.has('halted') && !database.halted) {
    return { steps: [{ type: 'resume', params: {}, paths: ['halted'] }], unrepairable };
  }
  const version = paths.get('version');
  if (version) {
    if (isNewerVersion(version.live, database.version)) {
      unrepairable.push({
        entry: version,
        reason: `version ${String(version.live)} runs, newer than the desired ${database.version}; KubeDB does not downgrade`,
      });
    } else {
      steps.push({
        type: 'update-version',
        params: { targetVersion: database.version },
        paths: ['version'],
      });
    }
  }
  if (paths.has('replicas') || paths.has('topology.shards')) {
    const shards = paths.has('topology.shards') ? { shards: database.topology.shards } : {};
    steps.push({
      type: 'scale-horizontal',
      params: { replicas: database.replicas, ...shards },
      paths: ['replicas', 'topology.shards'].filter((path) => paths.has(path)),
    });
  }
  if (paths.has('resources.cpu') || paths.has('resources.memory')) {
    steps.push({
      type: 'scale-vertical',
      params: { cpu: database.resources.cpu, memory: database.resources.memory },
      paths: ['resources.cpu', 'resources.memory'].filter((path) => paths.has(path)),
    });
  }
  const storage = paths.get('storage.size');
  if (storage) {
    const live = typeof storage.live === 'string' && isQuantity(storage.live) ? storage.live : null;
    if (live === null || compareQuantities(database.storage.size, live) > 0) {
      steps.push({
        type: 'expand-volume',
        params: { size: database.storage.size, mode: 'Online' },
        paths: ['storage.size'],
      });
    } else {
      unrepairable.push({
        entry: storage,
        reason: `the volume is ${live}, larger than the desired ${database.storage.size}; volumes do not shrink`,
      });
    }
  }
  const settings = open.filter(isSettingsDrift);
  if (settings.length > 0)
    steps.push({ type: 'update-settings', params: {}, paths: settings.map((entry) => entry.path) });
  for (const entry of open.filter(isForeignMetadata)) {
    unrepairable.push({
      entry,
      reason: `${entry.path} was added outside the console; the engine does not remove what it did not set`,
    });
  }
  if (paths.has('halted') && database.halted)
    steps.push({ type: 'pause', params: {}, paths: ['halted'] });
  return { steps, unrepairable };
}
