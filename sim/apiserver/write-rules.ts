/**
 * The API server's rules applied on every write: name validation, schema pruning/defaulting/
 * validation for custom resources (built-in rules otherwise), generation tracking, and the
 * Status errors (Invalid, NotFound, Conflict) phrased as the real server phrases them.
 */
import { convertObject, converts } from './conversion';
import { SimApiError, type KubeObject, type WriteOptions } from '../core/contract';
import { prepareBuiltin } from './builtin-rules';
import { qualifiedKind, qualifiedResource, type ResourceType } from './resource-types';
import { applyDefaults, pruneUnknown, validateSchema, type FieldError } from './schema';

/** How an HTTP request (or a `ClusterState` call) writes. */
export interface WriteContext extends WriteOptions {
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Collected `Warning` header texts. */
  warnings?: string[];
  /** The write comes over HTTP: status is dropped on create, as the real server does. */
  http?: boolean;
  /** Managed-fields operation; 'Apply' entries are written by server-side apply itself. */
  operation?: 'Update' | 'Apply';
}

/** The alphabet of generateName suffixes (no vowels, no look-alikes), as the API server uses. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Now, to the second, as Kubernetes timestamps are written. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Structural equality without serialising (the write path runs it twice per write). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}

/** Everything but metadata (and status when it is a subresource): what moves `generation`. */
export function specPart(obj: KubeObject, type: ResourceType): unknown {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return type.statusSubresource ? rest : { ...rest, status };
}

/** Custom resources and CRDs carry metadata.generation; the core kinds served here do not. */
export function tracksGeneration(type: ResourceType): boolean {
  return !type.builtin || type.kind === 'CustomResourceDefinition';
}

/** Throws the API server's 422 for field errors. */
export function invalidError(type: ResourceType, name: string, errors: FieldError[]): SimApiError {
  const texts = errors.map((e) => `${e.field}: ${e.message}`);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const err = new SimApiError(
    422,
    'Invalid',
    `${qualifiedKind(type)} "${name}" is invalid: ${list}`,
    errors,
  );
  return Object.assign(err, { details: { name, group: type.group, kind: type.kind } });
}

/** A 404 in the API server's words. */
export function notFound(type: Pick<ResourceType, 'group' | 'plural'>, name: string): SimApiError {
  const err = new SimApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`);
  return Object.assign(err, { details: { name, group: type.group, kind: type.plural } });
}

/** The cluster's objects and their write rules. */

/** The 409 of a write based on a stale resourceVersion. */
export function conflictError(type: ResourceType, name: string): SimApiError {
  const err = new SimApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
  return Object.assign(err, { details: { name, group: type.group, kind: type.plural } });
}

/** The field errors of an object name that is not an RFC 1123 subdomain. */
export function nameErrors(name: string): FieldError[] {
  if (NAME.test(name) && name.length <= 253) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    },
  ];
}

/**
 * Schema pruning, defaulting and validation (custom resources) or the built-in kind's rules.
 * `extraErrors` (name errors) are reported together with schema errors, as the real server does.
 */
export function prepareObject(
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
  ctx: WriteContext,
  extraErrors: FieldError[] = [],
): KubeObject {
  const storage = type.versions[0];
  if (!type.builtin && storage && converts(type.group, type.kind))
    obj = convertObject(obj, `${type.group}/${storage}`);
  const version = obj.apiVersion?.split('/').pop() ?? type.versions[0] ?? '';
  if (type.builtin) {
    if (extraErrors.length > 0) throw invalidError(type, obj.metadata.name ?? '', extraErrors);
    return prepareBuiltin(type, obj, old, ctx.http === true);
  }
  const schema = type.schemas[version];
  const unknown = pruneUnknown(obj, schema).map((u) => `unknown field "${u.slice(1)}"`);
  if (unknown.length > 0 && ctx.fieldValidation === 'Strict') {
    throw new SimApiError(
      400,
      'BadRequest',
      `${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.join(', ')}`,
    );
  }
  if (unknown.length > 0 && ctx.fieldValidation === 'Warn') ctx.warnings?.push(...unknown);
  applyDefaults(obj, schema);
  const errors = [...extraErrors, ...validateSchema(obj, schema)];
  if (errors.length > 0) throw invalidError(type, obj.metadata.name ?? '', errors);
  return obj;
}
