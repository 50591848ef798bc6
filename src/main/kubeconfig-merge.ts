import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CORE_SCHEMA, dump, load } from 'js-yaml';

/**
 * The user's own kubeconfig files, read and merged the way kubectl merges `$KUBECONFIG`: for
 * clusters, users and contexts the first file that names an entry wins; `current-context` comes
 * from the first file that sets one; relative file paths are resolved against the directory of the
 * file that holds them. The files are read asynchronously, only if regular and at most 1 MiB, so a
 * FIFO or device named in `$KUBECONFIG` cannot stall main.
 */

export interface KubeconfigFile {
  path: string;
  text: string;
}

const MAX_FILE_BYTES = 1024 * 1024;
const NONBLOCK = (constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

/** The readable kubeconfig files among `paths`; a missing or unusable one is skipped, as kubectl does. */
export async function readKubeconfigFiles(paths: readonly string[]): Promise<KubeconfigFile[]> {
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    const text = await readRegularFile(path).catch(() => null);
    if (text !== null) files.push({ path, text });
  }
  return files;
}

async function readRegularFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) throw new Error('not a usable file');
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_FILE_BYTES) throw new Error('too large');
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

type Mapping = Record<string, unknown>;

function asMapping(value: unknown): Mapping | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Mapping)
    : null;
}

/** kubectl resolves these against the kubeconfig's directory (exec commands only with a separator). */
function resolvePaths(entry: Mapping, field: 'cluster' | 'user', base: string): Mapping {
  const body = asMapping(entry[field]);
  if (!body) return entry;
  const keys =
    field === 'cluster'
      ? ['certificate-authority']
      : ['client-certificate', 'client-key', 'token-file'];
  const copy: Mapping = { ...body };
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value))
      copy[key] = resolve(base, value);
  }
  const exec = asMapping(copy.exec);
  if (exec && typeof exec.command === 'string' && /[\\/]/.test(exec.command)) {
    if (!isAbsolute(exec.command)) copy.exec = { ...exec, command: resolve(base, exec.command) };
  }
  return { ...entry, [field]: copy };
}

export class KubeconfigMergeError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not a valid kubeconfig (YAML with clusters, users and contexts)`);
    this.name = 'KubeconfigMergeError';
  }
}

/** One kubeconfig text from several files, merged as kubectl merges them, and its context count. */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): {
  text: string;
  contexts: number;
} {
  const lists = {
    clusters: new Map<string, Mapping>(),
    users: new Map<string, Mapping>(),
    contexts: new Map<string, Mapping>(),
  };
  const fields = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;
  let current: string | undefined;
  for (const file of files) {
    let root: Mapping | null;
    try {
      // Safe schema: no custom tags. The engine parses the merged text again with its own guard.
      root = asMapping(load(file.text.replace(/^\uFEFF/, ''), { schema: CORE_SCHEMA }));
    } catch {
      throw new KubeconfigMergeError(file.path);
    }
    if (!root) {
      if (file.text.trim() === '') continue;
      throw new KubeconfigMergeError(file.path);
    }
    const base = dirname(file.path);
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      const entries = root[list];
      if (!Array.isArray(entries)) continue;
      for (const item of entries) {
        const entry = asMapping(item);
        if (!entry || typeof entry.name !== 'string' || lists[list].has(entry.name)) continue;
        const field = fields[list];
        lists[list].set(entry.name, field === 'context' ? entry : resolvePaths(entry, field, base));
      }
    }
    const fileCurrent = root['current-context'];
    if (current === undefined && typeof fileCurrent === 'string' && fileCurrent !== '')
      current = fileCurrent;
  }
  const text = dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      ...(current ? { 'current-context': current } : {}),
      clusters: [...lists.clusters.values()],
      users: [...lists.users.values()],
      contexts: [...lists.contexts.values()],
    },
    // Shared (aliased) nodes stay anchors: expanding them could blow up an alias bomb.
    { noRefs: false },
  );
  return { text, contexts: lists.contexts.size };
}

/**
 * The merged kubeconfig reduced to one context, its cluster and its user: what main sends to
 * register that context, so that another user's plugin or file (which a daemon may refuse anywhere
 * in a text) does not stand in the way, and no other credential leaves the machine.
 */
export function reduceKubeconfig(merged: string, context: string): string {
  const root = asMapping(load(merged, { schema: CORE_SCHEMA })) ?? {};
  const named = (list: unknown, name: unknown): Mapping[] =>
    (Array.isArray(list) ? list : [])
      .map(asMapping)
      .filter((entry): entry is Mapping => entry !== null && entry.name === name);
  const contexts = named(root.contexts, context);
  const body = asMapping(contexts[0]?.context) ?? {};
  return dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': context,
      clusters: named(root.clusters, body.cluster),
      users: named(root.users, body.user),
      contexts,
    },
    { noRefs: false },
  );
}
