import { CORE_SCHEMA, load } from 'js-yaml';
import { ValidationError, type ErrorDetail } from '../base/errors';

/**
 * The raw-text side of the kubeconfig guard. The text is parsed here, by us, before any library
 * sees it: a safe schema (no custom tags, no `!!binary`, no merge keys), a size bound, no duplicate
 * keys, one document; the whole tree (every user, cluster, extension) is walked with a node bound
 * that counts each shared (aliased) node once, so an alias bomb costs nothing. Nothing here reads a
 * file, runs a process or opens a socket.
 */

/** The largest kubeconfig accepted (the API body limit is about the same). */
export const MAX_KUBECONFIG_CHARS = 1_000_000;
/** Distinct nodes walked; a real kubeconfig has a few hundred. */
const MAX_NODES = 100_000;
/** Nesting depth; a real kubeconfig is about 6 deep. */
const MAX_DEPTH = 64;

export type Mapping = Record<string, unknown>;

/** A key that makes client-node (or kubectl) read a local file or run a program. */
export interface Reference {
  /** Where it is, as `users[0].user.token-file`. */
  path: string;
  kind: 'file' | 'exec';
}

export interface KubeconfigDocument {
  root: Mapping;
  clusters: { name: string; cluster: Mapping; index: number }[];
  users: { name: string; user: Mapping; index: number }[];
  contexts: { name: string; context: Mapping; index: number }[];
  currentContext: string | undefined;
  references: Reference[];
}

export function refusal(path: string, rule: string, message: string): ValidationError {
  const detail: ErrorDetail = { path, rule, message };
  return new ValidationError(`kubeconfig refused: ${message}`, [detail]);
}

/** `token-file` → `tokenfile`: case, dashes, underscores and spaces do not hide a key. */
function squash(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Keys that name a local path (kubectl's `*-file`, `*-path`, and the three certificate paths). */
const FILE_KEYS = new Set(['certificateauthority', 'clientcertificate', 'clientkey']);
/** Keys that run a program or call a token endpoint from the engine's host. */
const EXEC_KEYS = new Set(['exec', 'authprovider']);

export function referenceKind(key: string): Reference['kind'] | null {
  const squashed = squash(key);
  if (EXEC_KEYS.has(squashed)) return 'exec';
  if (FILE_KEYS.has(squashed) || /(file|path|dir|directory)$/.test(squashed)) return 'file';
  return null;
}

function keyPath(parent: string, key: string): string {
  const plain = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? plain : `${parent}.${plain}`;
}

/** Walks every node once; finds every reference; refuses merge keys and over-large trees. */
function walk(root: unknown): Reference[] {
  const references: Reference[] = [];
  const seen = new Set<object>();
  let nodes = 0;
  const visit = (node: unknown, path: string, depth = 0): void => {
    if (typeof node !== 'object' || node === null) return;
    if (depth > MAX_DEPTH)
      throw refusal('kubeconfig', 'size', `it nests deeper than ${MAX_DEPTH} levels`);
    if (seen.has(node)) return;
    seen.add(node);
    if (++nodes > MAX_NODES)
      throw refusal('kubeconfig', 'size', `it has more than ${MAX_NODES} YAML nodes`);
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`, depth + 1));
      return;
    }
    for (const [key, value] of Object.entries(node as Mapping)) {
      const here = keyPath(path, key);
      if (key === '<<') {
        throw refusal(
          here,
          'yaml-merge',
          `${here}: YAML merge keys (<<) are not supported; write the fields out`,
        );
      }
      const kind = referenceKind(key);
      if (kind && value !== null && value !== '' && value !== false) {
        references.push({ path: here, kind });
      }
      visit(value, here, depth + 1);
    }
  };
  visit(root, '');
  return references;
}

function entries<K extends 'cluster' | 'user' | 'context'>(
  root: Mapping,
  list: 'clusters' | 'users' | 'contexts',
  field: K,
): ({ name: string; index: number } & Record<K, Mapping>)[] {
  const value = root[list];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw refusal(list, 'type', `${list} must be a list`);
  const seen = new Set<string>();
  return value.map((item: unknown, index) => {
    const at = `${list}[${index}]`;
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Mapping;
    const name = entry.name;
    if (typeof name !== 'string' || name === '')
      throw refusal(`${at}.name`, 'required', `${at}.name must be a non-empty string`);
    if (seen.has(name))
      throw refusal(`${at}.name`, 'duplicate-name', `${list} has two entries named "${name}"`);
    seen.add(name);
    const body = entry[field] ?? {};
    if (typeof body !== 'object' || Array.isArray(body) || body === null)
      throw refusal(`${at}.${field}`, 'type', `${at}.${field} must be a mapping`);
    return { name, index, [field]: body as Mapping } as { name: string; index: number } & Record<
      K,
      Mapping
    >;
  });
}

/**
 * Parses the raw text of a kubeconfig safely and reports every file and exec reference in it.
 * Parse errors name the line, never the text (it holds credentials).
 */
export function parseKubeconfigDocument(text: unknown): KubeconfigDocument {
  if (typeof text !== 'string' || text.trim() === '')
    throw refusal('kubeconfig', 'required', 'it is empty');
  if (text.length > MAX_KUBECONFIG_CHARS)
    throw refusal('kubeconfig', 'size', `it is larger than ${MAX_KUBECONFIG_CHARS} characters`);
  let root: unknown;
  try {
    root = load(text.replace(/^\uFEFF/, ''), { schema: CORE_SCHEMA, json: false });
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    const where = typeof line === 'number' ? ` (line ${line + 1})` : '';
    const reason = (error as { reason?: string }).reason ?? '';
    const hint = /unknown tag/.test(reason)
      ? ': YAML tags (!!binary, !custom) are not allowed'
      : /duplicated mapping key/.test(reason)
        ? ': a key appears twice'
        : /single document/.test(reason)
          ? ': it holds more than one YAML document'
          : '';
    throw refusal(
      'kubeconfig',
      'parse',
      `it is not a valid kubeconfig (YAML with clusters, users and contexts)${where}${hint}`,
    );
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    throw refusal('kubeconfig', 'parse', 'it is not a valid kubeconfig (a YAML mapping)');
  const references = walk(root);
  const mapping = root as Mapping;
  const current = mapping['current-context'];
  const document: KubeconfigDocument = {
    root: mapping,
    clusters: entries(mapping, 'clusters', 'cluster'),
    users: entries(mapping, 'users', 'user'),
    contexts: entries(mapping, 'contexts', 'context'),
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
    references,
  };
  if (document.contexts.length === 0) throw refusal('contexts', 'required', 'it has no contexts');
  return document;
}

/** A string field of a mapping, or undefined; any other type is refused, naming the path. */
export function stringField(map: Mapping, key: string, path: string): string | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw refusal(path, 'type', `${path} must be a string`);
  return value;
}
