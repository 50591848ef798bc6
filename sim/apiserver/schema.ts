/**
 * Structural-schema handling for custom resources, in the order the real API server applies it:
 * prune unknown fields (or report them for `fieldValidation=Strict|Warn`), apply `default`s, then
 * validate. Messages and cause reasons follow k8s.io/apimachinery's field errors.
 */

/** The subset of OpenAPI v3 a CRD's structural schema uses. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  default?: unknown;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  format?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [key: string]: unknown;
}

/** One field error, as a `Status` cause. */
export interface FieldError {
  reason: string;
  message: string;
  field: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Fields kept on every embedded object regardless of its schema. */
const OBJECT_ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Removes fields the schema does not declare, in place. Returns their paths (".spec.foo") so that
 * `Strict` can refuse and `Warn` can report them. The root's apiVersion/kind/metadata are kept.
 */
export function pruneUnknown(
  value: unknown,
  schema: JsonSchema | undefined,
  root = true,
): string[] {
  const unknown: string[] = [];
  walkPrune(value, schema, '', root, unknown);
  return unknown;
}

function walkPrune(
  value: unknown,
  schema: JsonSchema | undefined,
  path: string,
  isRoot: boolean,
  out: string[],
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items)
      value.forEach((item, i) => walkPrune(item, schema.items, `${path}[${i}]`, false, out));
    return;
  }
  if (!isObject(value)) return;
  const keepRoot = isRoot || schema['x-kubernetes-embedded-resource'] === true;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    if (keepRoot && OBJECT_ROOT_FIELDS.has(key) && !(props && props[key] && key !== 'metadata'))
      continue;
    const child = props?.[key];
    if (child) {
      walkPrune(value[key], child, join(path, key), false, out);
    } else if (isObject(additional)) {
      walkPrune(value[key], additional, join(path, key), false, out);
    } else if (additional === true || schema['x-kubernetes-preserve-unknown-fields'] === true) {
      continue;
    } else {
      out.push(`.${join(path, key)}`);
      delete value[key];
    }
  }
}

/** Applies `default`s in place: a missing property with a default gets a copy of it. */
export function applyDefaults(value: unknown, schema: JsonSchema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && child.default !== undefined)
      value[key] = structuredClone(child.default);
    if (value[key] !== undefined) applyDefaults(value[key], child);
  }
  if (isObject(schema.additionalProperties)) {
    for (const key of Object.keys(value)) applyDefaults(value[key], schema.additionalProperties);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function quote(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return typeName(v);
}

function typeMatches(v: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

const patternCache = new Map<string, RegExp | null>();
function compilePattern(p: string): RegExp | null {
  let re = patternCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p, 'u');
    } catch {
      re = null;
    }
    patternCache.set(p, re);
  }
  return re;
}

/** Validates `value` against `schema`; returns every field error found. */
export function validateSchema(
  value: unknown,
  schema: JsonSchema | undefined,
  path = '',
): FieldError[] {
  const errors: FieldError[] = [];
  if (schema) walkValidate(value, schema, path, errors);
  return errors;
}

function invalid(errors: FieldError[], field: string, value: unknown, detail: string): void {
  errors.push({
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${quote(value)}: ${detail}`,
  });
}

function walkValidate(v: unknown, s: JsonSchema, path: string, errors: FieldError[]): void {
  const field = path;
  if (v === null) {
    if (s.nullable || s['x-kubernetes-preserve-unknown-fields'] || !s.type) return;
    errors.push({
      reason: 'FieldValueTypeInvalid',
      field,
      message: `Invalid value: "null": ${field} in body must be of type ${s.type}: "null"`,
    });
    return;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      errors.push({
        reason: 'FieldValueTypeInvalid',
        field,
        message: `Invalid value: ${quote(typeName(v))}: ${field} in body must be of type integer,string: ${quote(typeName(v))}`,
      });
      return;
    }
  } else if (s.type && !typeMatches(v, s.type)) {
    errors.push({
      reason: 'FieldValueTypeInvalid',
      field,
      message: `Invalid value: ${quote(typeName(v))}: ${field} in body must be of type ${s.type}: ${quote(typeName(v))}`,
    });
    return;
  }
  if (s.enum && !s.enum.some((e) => e === v)) {
    errors.push({
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${quote(v)}: supported values: ${s.enum.map(quote).join(', ')}`,
    });
  }
  if (typeof v === 'string') validateString(v, s, field, errors);
  if (typeof v === 'number') validateNumber(v, s, field, errors);
  if (Array.isArray(v)) validateArray(v, s, field, errors);
  if (isObject(v)) validateObject(v, s, path, errors);
  for (const sub of s.allOf ?? []) walkValidate(v, sub, path, errors);
  if (
    s.anyOf &&
    !s.anyOf.some((sub) => quickMatch(v, sub) ?? validateSchema(v, sub, path).length === 0)
  ) {
    invalid(errors, field, v, `${field} in body must match at least one schema in anyOf`);
  }
  if (s.oneOf && s.oneOf.filter((sub) => validateSchema(v, sub, path).length === 0).length !== 1) {
    invalid(errors, field, v, `${field} in body must match exactly one schema in oneOf`);
  }
  if (s.not && validateSchema(v, s.not, path).length === 0) {
    invalid(errors, field, v, `${field} in body must not be valid against the schema in not`);
  }
}

/** Settles a sub-schema that only names a type (int-or-string's anyOf) without allocating. */
function quickMatch(v: unknown, sub: JsonSchema): boolean | undefined {
  const keys = Object.keys(sub);
  if (keys.length === 1 && sub.type) return typeMatches(v, sub.type);
  return undefined;
}

function validateString(v: string, s: JsonSchema, field: string, errors: FieldError[]): void {
  // Lengths count code points; v.length (UTF-16 units) is an upper bound that settles most cases.
  if (s.maxLength !== undefined && v.length > s.maxLength && [...v].length > s.maxLength) {
    errors.push({
      reason: 'FieldValueTooLong',
      field,
      message: `Too long: may not be more than ${s.maxLength} bytes`,
    });
  }
  if (s.minLength !== undefined && (v.length < s.minLength || [...v].length < s.minLength)) {
    invalid(errors, field, v, `${field} in body should be at least ${s.minLength} chars long`);
  }
  if (s.pattern) {
    const re = compilePattern(s.pattern);
    if (re && !re.test(v))
      invalid(errors, field, v, `${field} in body should match '${s.pattern}'`);
  }
}

function validateNumber(v: number, s: JsonSchema, field: string, errors: FieldError[]): void {
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      invalid(
        errors,
        field,
        v,
        `${field} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`,
      );
    }
  }
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      invalid(
        errors,
        field,
        v,
        `${field} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`,
      );
    }
  }
}

function validateArray(v: unknown[], s: JsonSchema, field: string, errors: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    errors.push({
      reason: 'FieldValueTooMany',
      field,
      message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
    });
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    invalid(errors, field, v.length, `${field} in body should have at least ${s.minItems} items`);
  }
  if (s.items)
    v.forEach((item, i) => walkValidate(item, s.items as JsonSchema, `${field}[${i}]`, errors));
  const keys = s['x-kubernetes-list-map-keys'];
  if (s['x-kubernetes-list-type'] === 'map' && keys) {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const k = JSON.stringify(keys.map((key) => (isObject(item) ? item[key] : undefined)));
      if (seen.has(k)) {
        errors.push({
          reason: 'FieldValueDuplicate',
          field: `${field}[${i}]`,
          message: `Duplicate value: ${k}`,
        });
      }
      seen.add(k);
    });
  }
}

function validateObject(v: Json, s: JsonSchema, path: string, errors: FieldError[]): void {
  for (const req of s.required ?? []) {
    if (v[req] === undefined)
      errors.push({
        reason: 'FieldValueRequired',
        field: join(path, req),
        message: 'Required value',
      });
  }
  const count = Object.keys(v).length;
  if (s.maxProperties !== undefined && count > s.maxProperties) {
    errors.push({
      reason: 'FieldValueTooMany',
      field: path,
      message: `Too many: ${count}: must have at most ${s.maxProperties} items`,
    });
  }
  if (s.minProperties !== undefined && count < s.minProperties) {
    invalid(
      errors,
      path,
      count,
      `${path} in body should have at least ${s.minProperties} properties`,
    );
  }
  for (const [key, child] of Object.entries(v)) {
    const sub =
      s.properties?.[key] ??
      (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
    if (!sub || child === undefined) continue;
    if (path === '' && key === 'metadata') {
      // Of the root's metadata, a CRD may constrain only the name; ObjectMeta rules cover the rest.
      const nameSchema = sub.properties?.name;
      const name = isObject(child) ? child.name : undefined;
      if (nameSchema && typeof name === 'string')
        walkValidate(name, nameSchema, 'metadata.name', errors);
      continue;
    }
    walkValidate(child, sub, join(path, key), errors);
  }
}
