/**
 * The mutating webhook's pod template defaults (kubedb apimachinery `SetDefaults`): every component
 * template gets `serviceAccountName: <db>` and its containers and init containers their default
 * resources (database 500m/1Gi, memory-intensive Elasticsearch 1.5Gi, MongoDB 6+/8+, coordinator
 * sidecars 200m/256Mi, init containers 200m/256Mi with a 512Mi limit, the arbiter's own). The
 * values come from the same layout the provisioner builds the PetSets from, so spec and PetSet
 * always agree.
 */
import type { KubeObject } from '../core/contract';
import type { EngineKind } from './engines';
import { buildLayout } from './layout';
import { asRecord } from './util';

const NO_IMAGES = { db: '', coordinator: '', exporter: '', init: '', extra: '' };

type Json = Record<string, unknown>;

/** The object at `path` under `root`, created (as {}) where missing. */
function ensureAt(root: Json, path: string[]): Json {
  let at = root;
  for (const key of path) {
    const next = asRecord(at[key]);
    at[key] = next;
    at = next;
  }
  return at;
}

function upsert(list: unknown, name: string): { list: Json[]; item: Json } {
  const items = Array.isArray(list) ? (list as Json[]) : [];
  let item = items.find((c) => asRecord(c).name === name);
  if (!item) {
    item = { name };
    items.push(item);
  }
  return { list: items, item };
}

function hasResources(c: Json): boolean {
  const r = asRecord(c.resources);
  return r.requests !== undefined || r.limits !== undefined;
}

/** Fills each component pod template of `db` (a private copy) as the mutating webhook does. */
export function templateDefaults(kind: EngineKind, db: KubeObject): void {
  const root = db as unknown as Json;
  const name = db.metadata.name ?? '';
  // Elasticsearch sets the top-level template's service account also with a topology.
  if (kind === 'Elasticsearch' && asRecord(db.spec).topology !== undefined)
    ensureAt(root, ['spec', 'podTemplate', 'spec']).serviceAccountName ??= name;
  const seen = new Set<string>();
  for (const group of buildLayout(kind, db, NO_IMAGES).groups) {
    const path = group.templatePath;
    if (path[path.length - 1] !== 'podTemplate' || seen.has(path.join('.'))) continue;
    seen.add(path.join('.'));
    const spec = ensureAt(root, [...path, 'spec']);
    spec.serviceAccountName ??= name;
    for (const c of group.containers) {
      if (c.name === 'exporter') continue;
      const { list, item } = upsert(spec.containers, c.name);
      spec.containers = list;
      item.resources = structuredClone(c.resources);
    }
    for (const c of group.initContainers) {
      const { list, item } = upsert(spec.initContainers, c.name);
      spec.initContainers = list;
      if (!hasResources(item)) item.resources = structuredClone(c.resources);
    }
  }
}
