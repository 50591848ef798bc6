/**
 * Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into the live
 * object, detects conflicts with fields other managers own at a different value, and removes fields
 * the manager applied before but no longer does (when nobody else owns them).
 */
import { SimApiError, type KubeObject } from '../core/contract';
import {
  formatPath,
  fromFieldsV1,
  itemSegment,
  leafPaths,
  listShape,
  readManaged,
  removeAt,
  toFieldsV1,
  valueAt,
  type ManagedFieldsEntry,
} from './managed-fields';
import type { JsonSchema } from './schema';
import type { ResourceType } from './resource-types';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  return (
    schema?.properties?.[key] ??
    (isObject(schema?.additionalProperties) ? schema?.additionalProperties : undefined)
  );
}

function mergeApplied(
  live: unknown,
  applied: unknown,
  key: string,
  schema: JsonSchema | undefined,
  type: ResourceType,
): unknown {
  if (isObject(applied)) {
    const out: Json = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied))
      out[k] = mergeApplied(out[k], v, k, child(schema, k), type);
    return out;
  }
  if (Array.isArray(applied)) {
    const liveItems: unknown[] = Array.isArray(live) ? live : [];
    const shape = listShape(type, key, schema, [...(applied as unknown[]), ...liveItems]);
    if (!(shape.keys || shape.set) || !Array.isArray(live)) return structuredClone(applied);
    const out = [...liveItems];
    for (const item of applied as unknown[]) {
      const seg = itemSegment(item, shape);
      const idx = out.findIndex((o) => itemSegment(o, shape) === seg);
      if (idx < 0) out.push(structuredClone(item));
      else if (shape.keys) out[idx] = mergeApplied(out[idx], item, key, schema?.items, type);
    }
    return out;
  }
  return structuredClone(applied);
}

/** The result of an apply: the merged object with its new managedFields. */
export interface ApplyResult {
  object: KubeObject;
}

/**
 * Applies `applied` for `manager`. Throws 409 Conflict (reason Conflict, causes per field) when
 * another manager owns a field at a different value and `force` is false.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  force: boolean,
  type: ResourceType,
  part: 'main' | 'status',
): ApplyResult {
  const version = applied.apiVersion.split('/').pop() ?? '';
  const appliedPaths = leafPaths(applied, type, version, part);
  const entries = readManaged(live);
  const subresource = part === 'status' ? 'status' : undefined;
  const isMine = (e: ManagedFieldsEntry) =>
    e.manager === manager && e.operation === 'Apply' && e.subresource === subresource;
  const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
  for (const e of entries) {
    if (isMine(e)) continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (!appliedPaths.has(p) || p.endsWith('\u0000.')) continue;
      if (JSON.stringify(valueAt(live, p)) !== JSON.stringify(valueAt(applied, p))) {
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);

  const schema = type.schemas[version];
  const base: Json = live ? structuredClone(live) : {};
  const merged = mergeApplied(base, applied, '', schema, type) as KubeObject;
  const conflicting = new Set(conflicts.map((c) => c.path));
  const others: ManagedFieldsEntry[] = [];
  const ownedByOthers = new Set<string>();
  for (const e of entries) {
    if (isMine(e)) continue;
    const paths = fromFieldsV1(e.fieldsV1);
    for (const p of conflicting) paths.delete(p);
    if (paths.size === 0) continue;
    for (const p of paths) ownedByOthers.add(p);
    others.push({ ...e, fieldsV1: toFieldsV1(paths) });
  }
  const before = entries.find(isMine);
  for (const p of before ? fromFieldsV1(before.fieldsV1) : []) {
    if (!appliedPaths.has(p) && !ownedByOthers.has(p)) removeAt(merged, p);
  }
  const mine: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths),
    ...(subresource ? { subresource } : {}),
  };
  merged.metadata = { ...(merged.metadata ?? {}), managedFields: [...others, mine] };
  return { object: merged };
}

function conflictError(
  conflicts: { manager: string; apiVersion: string; path: string }[],
): SimApiError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const key = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(key, [...(byManager.get(key) ?? []), formatPath(c.path)]);
  }
  const n = conflicts.length;
  let message: string;
  if (n === 1) {
    const [key, paths] = [...byManager.entries()][0] as [string, string[]];
    message = `Apply failed with 1 conflict: conflict with ${key}: ${paths[0]}`;
  } else {
    message =
      `Apply failed with ${n} conflicts: ` +
      [...byManager.entries()]
        .map(([key, paths]) => `conflicts with ${key}:\n${paths.map((p) => `- ${p}`).join('\n')}`)
        .join('\n');
  }
  return new SimApiError(
    409,
    'Conflict',
    message,
    conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}" using ${c.apiVersion}`,
      field: formatPath(c.path),
    })),
  );
}
