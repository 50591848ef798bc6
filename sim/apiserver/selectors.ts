/**
 * Label and field selectors as the API server parses them (`labelSelector`, `fieldSelector`
 * query parameters). Invalid selectors throw a BadRequest `SimApiError`.
 */
import { SimApiError, type KubeObject } from '../core/contract';
import { toText } from './text';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A compiled selector: `matches(labels)`. */
export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
  empty: boolean;
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses ("a in (x,y),b" -> 2 parts). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function badSelector(text: string, why: string): SimApiError {
  return new SimApiError(
    400,
    'BadRequest',
    `unable to parse requirement: ${why}: ${JSON.stringify(text)}`,
  );
}

function parseRequirement(part: string): Requirement {
  let m = /^([^\s!=]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (m) {
    const values = (m[3] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: m[2] === 'in' ? 'in' : 'notin', key: m[1] ?? '', values };
  }
  m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1] ?? '', value: m[3] ?? '' };
  m = /^!\s*(\S+)$/.exec(part);
  if (m) return { op: 'notexists', key: m[1] ?? '' };
  m = /^(\S+)$/.exec(part);
  if (m) return { op: 'exists', key: m[1] ?? '' };
  throw badSelector(part, 'found unexpected token');
}

function matchRequirement(r: Requirement, get: (key: string) => string | undefined): boolean {
  const v = get(r.key);
  switch (r.op) {
    case 'eq':
      return v === r.value;
    case 'neq':
      return v !== r.value;
    case 'in':
      return v !== undefined && r.values.includes(v);
    case 'notin':
      return v === undefined || !r.values.includes(v);
    case 'exists':
      return v !== undefined;
    case 'notexists':
      return v === undefined;
  }
}

/** Parses a label selector ("app=x,tier in (a,b),!legacy"). */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  const reqs = splitTopLevel(text ?? '').map(parseRequirement);
  for (const r of reqs) if (!KEY.test(r.key)) throw badSelector(r.key, 'invalid label key');
  return {
    empty: reqs.length === 0,
    matches: (labels) => reqs.every((r) => matchRequirement(r, (k) => labels?.[k])),
  };
}

/** A selector over fields (`metadata.name`, `metadata.namespace`, `status.phase`, any dotted path). */
export interface FieldSelector {
  matches(object: KubeObject): boolean;
  empty: boolean;
  /** The name an `metadata.name=x` requirement pins, for a direct lookup. */
  name?: string;
}

function fieldValue(object: KubeObject, path: string): string | undefined {
  let cur: unknown = object;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return path === 'metadata.namespace' ? '' : undefined;
  return toText(cur);
}

/** Parses a field selector ("metadata.name=x,status.phase!=Running"). */
export function parseFieldSelector(text: string | null | undefined): FieldSelector {
  const reqs = splitTopLevel(text ?? '').map((part) => {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (!m)
      throw new SimApiError(
        400,
        'BadRequest',
        `invalid selector: '${text ?? ''}'; can't understand '${part}'`,
      );
    return { key: m[1] ?? '', neq: m[2] === '!=', value: m[3] ?? '' };
  });
  const pinned = reqs.find((r) => r.key === 'metadata.name' && !r.neq);
  return {
    empty: reqs.length === 0,
    ...(pinned ? { name: pinned.value } : {}),
    matches: (object) =>
      reqs.every((r) => {
        const v = fieldValue(object, r.key) ?? '';
        return r.neq ? v !== r.value : v === r.value;
      }),
  };
}
