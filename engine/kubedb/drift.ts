import { compareQuantities, isQuantity, type DatabaseSpec, type DriftEntry } from '../domain';
import { computeDrift, extractLiveSpec } from './live';
import { buildDatabaseManifest } from './manifests';
import type { KubeObject } from './types';

type Json = Record<string, unknown>;

/**
 * Spec fields compared by `computeDrift` in the Database's terms (and repaired by their own
 * OpsRequests), so the field walk below leaves them out: the version, replica and shard counts,
 * halting, the pod template (cpu, memory) and volume sizes.
 */
const TYPED_LEAVES = new Set(['version', 'replicas', 'shards', 'halted', 'deletionPolicy']);
const isTyped = (path: string[]): boolean =>
  TYPED_LEAVES.has(path[path.length - 1] ?? '') ||
  path.includes('podTemplate') ||
  path.join('.').endsWith('resources.requests.storage');

/** Labels and annotations that Kubernetes, kubectl and KubeDB set themselves: never drift. */
const SYSTEM_KEY = /(^|\.)(kubernetes\.io|k8s\.io|kubedb\.com|appscode\.com)\//;

function same(desired: unknown, live: unknown): boolean {
  if (
    typeof desired === 'string' &&
    typeof live === 'string' &&
    isQuantity(desired) &&
    isQuantity(live)
  )
    return compareQuantities(desired, live) === 0;
  return JSON.stringify(desired) === JSON.stringify(live);
}

/** Every leaf of the desired spec that the engine applies, against the live one. */
function walk(desired: unknown, live: unknown, path: string[], out: DriftEntry[]): void {
  if (isTyped(path)) return;
  if (desired !== null && typeof desired === 'object' && !Array.isArray(desired)) {
    const liveObject = live !== null && typeof live === 'object' ? (live as Json) : {};
    for (const [key, value] of Object.entries(desired as Json))
      walk(value, liveObject[key], [...path, key], out);
    return;
  }
  if (!same(desired, live))
    out.push({ path: `spec.${path.join('.')}`, desired, live: live ?? null });
}

/** Our labels or annotations against the live ones: changed, removed, or added by someone else. */
function compareMap(
  kind: 'labels' | 'annotations',
  desired: Record<string, string>,
  live: Record<string, string>,
  out: DriftEntry[],
): void {
  for (const [key, value] of Object.entries(desired))
    if (live[key] !== value)
      out.push({ path: `${kind}.${key}`, desired: value, live: live[key] ?? null });
  for (const [key, value] of Object.entries(live))
    if (!(key in desired) && !SYSTEM_KEY.test(key))
      out.push({ path: `${kind}.${key}`, desired: null, live: value });
}

/**
 * Drift of everything the engine manages on the database object: the fields of its desired
 * manifest (what it applies with server-side apply as `kubedb-dbaas`) — deletionPolicy, labels,
 * annotations and every other spec field — besides the typed fields of `computeDrift`. Paths are
 * `deletionPolicy`, `labels.<key>`, `annotations.<key>` and `spec.<dotted path>`; a label or
 * annotation added outside the console has `desired: null`.
 */
export function computeManagedDrift(database: DatabaseSpec, live: KubeObject): DriftEntry[] {
  const desired = buildDatabaseManifest(database);
  const out: DriftEntry[] = [];
  const desiredSpec = (desired.spec ?? {}) as Json;
  const liveSpec = (live.spec ?? {}) as Json;
  if (!same(desiredSpec.deletionPolicy, liveSpec.deletionPolicy))
    out.push({
      path: 'deletionPolicy',
      desired: desiredSpec.deletionPolicy,
      live: liveSpec.deletionPolicy ?? null,
    });
  walk(desiredSpec, liveSpec, [], out);
  compareMap('labels', desired.metadata.labels ?? {}, live.metadata.labels ?? {}, out);
  compareMap(
    'annotations',
    desired.metadata.annotations ?? {},
    live.metadata.annotations ?? {},
    out,
  );
  return out;
}

/** All drift of a database against its live object: the typed fields, then everything else managed. */
export function computeAllDrift(database: DatabaseSpec, live: KubeObject): DriftEntry[] {
  return [
    ...computeDrift(database, extractLiveSpec(database, live)),
    ...computeManagedDrift(database, live),
  ];
}
