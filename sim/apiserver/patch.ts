/**
 * The patch formats of PATCH requests: JSON merge patch (RFC 7386), JSON patch (RFC 6902, with
 * `test`), and strategic merge patch for built-in kinds (lists merged by their patch merge key,
 * `$patch: delete|replace`, `$setElementOrder` and `$deleteFromPrimitiveList` directives).
 */
import { SimApiError } from '../core/contract';
import type { ResourceType } from './resource-types';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Applies an RFC 6902 JSON patch; a failed `test` or a missing path is a 422 as the API server answers. */
export function jsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw new SimApiError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  let doc = structuredClone(document);
  for (const raw of operations) {
    const op = raw as { op?: string; path?: string; from?: string; value?: unknown };
    const fail = (why: string) => new SimApiError(422, 'Invalid', why);
    const resolve = (pointer: string | undefined) => {
      if (pointer === undefined)
        throw fail(`the server rejected our request due to an error in our request`);
      const segs = pointer === '' ? [] : pointer.split('/').slice(1).map(unescapePointer);
      const last = segs.pop();
      let parent: unknown = doc;
      for (const seg of segs) {
        parent = Array.isArray(parent)
          ? parent[Number(seg)]
          : isObject(parent)
            ? parent[seg]
            : undefined;
        if (parent === undefined) throw fail(`doc is missing path: "${pointer}": missing value`);
      }
      return { parent, last };
    };
    const get = (pointer: string | undefined): unknown => {
      const { parent, last } = resolve(pointer);
      if (last === undefined) return doc;
      const v: unknown = Array.isArray(parent)
        ? (parent[Number(last)] as unknown)
        : isObject(parent)
          ? parent[last]
          : undefined;
      if (v === undefined) throw fail(`doc is missing path: "${pointer}": missing value`);
      return v;
    };
    const remove = (pointer: string | undefined): unknown => {
      const value = get(pointer);
      const { parent, last } = resolve(pointer);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObject(parent) && last !== undefined) delete parent[last];
      return value;
    };
    const add = (pointer: string | undefined, value: unknown, replace: boolean) => {
      const { parent, last } = resolve(pointer);
      if (last === undefined) {
        doc = structuredClone(value);
        return;
      }
      if (Array.isArray(parent)) {
        const idx = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length)
          throw fail(
            `add operation does not apply: doc is missing path: "${pointer}": missing value`,
          );
        if (replace) parent[idx] = structuredClone(value);
        else parent.splice(idx, 0, structuredClone(value));
      } else if (isObject(parent)) {
        parent[last] = structuredClone(value);
      } else {
        throw fail(`doc is missing path: "${pointer}": missing value`);
      }
    };
    switch (op.op) {
      case 'add':
        add(op.path, op.value, false);
        break;
      case 'remove':
        remove(op.path);
        break;
      case 'replace':
        get(op.path);
        add(op.path, op.value, true);
        break;
      case 'move':
        add(op.path, remove(op.from), false);
        break;
      case 'copy':
        add(op.path, get(op.from), false);
        break;
      case 'test':
        if (!deepEqual(get(op.path), op.value))
          throw fail(`the server rejected our request due to an error in our request`);
        break;
      default:
        throw new SimApiError(400, 'BadRequest', `Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

function mergeKeyFor(type: ResourceType, field: string, items: unknown[]): string | undefined {
  const mk = type.mergeKeys?.[field];
  if (!mk) return undefined;
  const options = mk.split('|');
  const first = items.find(isObject);
  return options.find((k) => first && first[k] !== undefined) ?? options[0];
}

/** Strategic merge patch for built-in kinds. */
export function strategicMergePatch(target: unknown, patch: unknown, type: ResourceType): unknown {
  return smpObject(target, patch, type);
}

function smpObject(target: unknown, patch: unknown, type: ResourceType): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(out[field]))
        out[field] = (out[field] as unknown[]).filter((v) => !drop.some((d) => deepEqual(d, v)));
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      const merged = smpList(out[key], value, key, type);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (isObject(value)) {
      const merged = smpObject(out[key], value, type);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function smpList(
  target: unknown,
  patch: unknown[],
  field: string,
  type: ResourceType,
): unknown[] | undefined {
  const targetItems: unknown[] = Array.isArray(target) ? target : [];
  const key = mergeKeyFor(type, field, [...patch, ...targetItems]);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return structuredClone(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
  }
  if (!key) return structuredClone(patch);
  const out: unknown[] = [...targetItems];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const idx = out.findIndex((o) => isObject(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      out[idx] = smpObject(out[idx], item, type);
    } else {
      out.push(smpObject(undefined, item, type));
    }
  }
  return out;
}
