/**
 * Field ownership for `metadata.managedFields`: which leaf fields each field manager set, in the
 * `FieldsV1` shape ("f:spec": {"f:replicas": {}}, keyed list items as `k:{"name":"x"}`). Server-side
 * apply uses it to find conflicts and to remove fields a manager stopped applying.
 */
import type { KubeObject } from '../core/contract';
import type { JsonSchema } from './schema';
import type { ResourceType } from './resource-types';

type Json = Record<string, unknown>;
const SEP = '\u0000';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How lists under a path merge: by keys, as a set, or atomically. */
export interface ListShape {
  keys?: string[];
  set?: boolean;
}

/** Schema-or-merge-key cursor used while walking an object. */
interface Cursor {
  schema: JsonSchema | undefined;
  type: ResourceType;
}

function childSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!schema) return undefined;
  return (
    schema.properties?.[key] ??
    (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined)
  );
}

/** The list shape of field `key` (with its schema) in `type`. */
export function listShape(
  type: ResourceType,
  key: string,
  schema: JsonSchema | undefined,
  items: unknown[],
): ListShape {
  if (key === 'finalizers') return { set: true };
  if (key === 'ownerReferences') return { keys: ['uid'] };
  if (schema) {
    const lt = schema['x-kubernetes-list-type'];
    if (lt === 'map' && schema['x-kubernetes-list-map-keys'])
      return { keys: schema['x-kubernetes-list-map-keys'] };
    if (lt === 'set') return { set: true };
    return {};
  }
  const mk = type.mergeKeys?.[key];
  if (!mk) return {};
  const options = mk.split('|');
  const first = items.find(isObject);
  const chosen = options.find((k) => first && first[k] !== undefined) ?? options[0];
  return chosen ? { keys: [chosen] } : {};
}

/** The `k:` segment of a keyed list item. */
export function itemSegment(item: unknown, shape: ListShape): string | undefined {
  if (shape.set) return `v:${JSON.stringify(item)}`;
  if (!shape.keys || !isObject(item)) return undefined;
  const key: Json = {};
  for (const k of shape.keys) if (item[k] !== undefined) key[k] = item[k];
  return `k:${JSON.stringify(key)}`;
}

/** Leaf paths (segment arrays joined by NUL) of an object, as SSA tracks them. */
export function leafPaths(
  object: KubeObject,
  type: ResourceType,
  version: string,
  part: 'main' | 'status',
): Set<string> {
  const out = new Set<string>();
  const schema = type.schemas[version];
  const cursor = { schema, type };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'status' && (part === 'main') === type.statusSubresource) continue;
    if (part === 'status' && key !== 'status') continue;
    if (key === 'metadata') {
      const meta = value as Json;
      for (const mk of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
        if (meta[mk] !== undefined)
          walk(meta[mk], mk, [`f:metadata`, `f:${mk}`], { schema: undefined, type }, out);
      }
      continue;
    }
    walk(value, key, [`f:${key}`], { ...cursor, schema: childSchema(schema, key) }, out);
  }
  return out;
}

function walk(value: unknown, key: string, path: string[], cur: Cursor, out: Set<string>): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value))
      walk(v, k, [...path, `f:${k}`], { ...cur, schema: childSchema(cur.schema, k) }, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const shape = listShape(cur.type, key, cur.schema, value);
    if (shape.keys || shape.set) {
      for (const item of value) {
        const seg = itemSegment(item, shape);
        if (!seg) continue;
        const itemPath = [...path, seg];
        out.add([...itemPath, '.'].join(SEP));
        if (shape.keys && isObject(item)) {
          for (const [k, v] of Object.entries(item)) {
            walk(
              v,
              k,
              [...itemPath, `f:${k}`],
              { ...cur, schema: childSchema(cur.schema?.items, k) },
              out,
            );
          }
        }
      }
      return;
    }
  }
  out.add(path.join(SEP));
}

/** Reads the value at a leaf path (undefined when absent). */
export function valueAt(object: unknown, path: string): unknown {
  let cur: unknown = object;
  for (const seg of path.split(SEP)) {
    if (seg === '.') return cur;
    if (seg.startsWith('f:')) {
      if (!isObject(cur)) return undefined;
      cur = cur[seg.slice(2)];
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.find((item) => matchesSegment(item, seg));
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function matchesSegment(item: unknown, seg: string): boolean {
  if (seg.startsWith('v:')) return JSON.stringify(item) === seg.slice(2);
  const key = JSON.parse(seg.slice(2)) as Json;
  return isObject(item) && Object.entries(key).every(([k, v]) => item[k] === v);
}

/**
 * Removes the field at a leaf path, in place, and the maps the removal leaves empty (as the API
 * server does: a manager owns the maps it applied, so `spec.archiver.ref` goes with its last
 * field, not leaving `archiver: {ref: {}}` behind). Top-level fields (`spec`) stay.
 */
export function removeAt(object: unknown, path: string): void {
  const segs = path.split(SEP);
  if (segs[segs.length - 1] === '.') segs.pop();
  let cur: unknown = object;
  const parents: { map: Json; key: string }[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as string;
    const last = i === segs.length - 1;
    if (seg.startsWith('f:')) {
      if (!isObject(cur)) return;
      if (last) delete cur[seg.slice(2)];
      else {
        parents.push({ map: cur, key: seg.slice(2) });
        cur = cur[seg.slice(2)];
      }
    } else {
      if (!Array.isArray(cur)) return;
      const idx = cur.findIndex((item) => matchesSegment(item, seg));
      if (idx < 0) return;
      if (last) cur.splice(idx, 1);
      else {
        parents.length = 0; // below a list item: prune no further up than the item
        cur = cur[idx];
      }
    }
  }
  for (const { map, key } of parents.filter((p) => p.map !== object).reverse()) {
    const value = map[key];
    if (!isObject(value) || Object.keys(value).length > 0) break;
    delete map[key];
  }
}

/** ".spec.containers[name=\"db\"].image", as conflict messages print a path. */
export function formatPath(path: string): string {
  return path
    .split(SEP)
    .filter((s) => s !== '.')
    .map((seg) => {
      if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
      if (seg.startsWith('v:')) return `[${seg.slice(2)}]`;
      const key = JSON.parse(seg.slice(2)) as Json;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** The FieldsV1 tree of a path set. */
export function toFieldsV1(paths: Iterable<string>): Json {
  const root: Json = {};
  for (const path of paths) {
    let cur = root;
    for (const seg of path.split(SEP)) {
      cur[seg] ??= {};
      cur = cur[seg] as Json;
    }
  }
  return root;
}

/** The path set of a FieldsV1 tree. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (node: unknown, prefix: string[]) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && prefix.length > 0) out.add(prefix.join(SEP));
    for (const k of keys) rec(node[k], [...prefix, k]);
  };
  rec(tree, []);
  return out;
}

/** One `managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

/** Reads an object's managedFields as manager -> paths. */
export function readManaged(object: KubeObject | undefined): ManagedFieldsEntry[] {
  return ((object?.metadata.managedFields ?? []) as ManagedFieldsEntry[]).filter(
    (e) => isObject(e) && typeof e.manager === 'string',
  );
}

/**
 * Records an Update by `manager`: it takes the fields that changed between `old` and `next`; other
 * managers lose them. Returns the new managedFields list.
 */
export function recordUpdate(
  entries: ManagedFieldsEntry[],
  manager: string,
  old: KubeObject | undefined,
  next: KubeObject,
  type: ResourceType,
  part: 'main' | 'status',
): ManagedFieldsEntry[] {
  const version = next.apiVersion.split('/').pop() ?? '';
  const before = old ? leafPaths(old, type, version, part) : new Set<string>();
  const after = leafPaths(next, type, version, part);
  const changed = new Set<string>();
  for (const p of after)
    if (!before.has(p) || JSON.stringify(valueAt(old, p)) !== JSON.stringify(valueAt(next, p)))
      changed.add(p);
  const removed = [...before].filter((p) => !after.has(p));
  if (changed.size === 0 && removed.length === 0 && entries.some((e) => e.manager === manager))
    return entries;
  const subresource = part === 'status' ? 'status' : undefined;
  const result: ManagedFieldsEntry[] = [];
  let mine: Set<string> = new Set(changed);
  for (const e of entries) {
    const paths = fromFieldsV1(e.fieldsV1);
    if (e.manager === manager && e.operation === 'Update' && e.subresource === subresource) {
      for (const p of paths) if (after.has(p)) mine.add(p);
      continue;
    }
    for (const p of [...changed, ...removed]) paths.delete(p);
    if (paths.size > 0) result.push({ ...e, fieldsV1: toFieldsV1(paths) });
  }
  mine = new Set([...mine].filter((p) => after.has(p)));
  if (mine.size > 0) {
    result.push({
      manager,
      operation: 'Update',
      apiVersion: next.apiVersion,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(mine),
      ...(subresource ? { subresource } : {}),
    });
  }
  return result;
}
