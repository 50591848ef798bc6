/**
 * A drill's data check, through the data path: a port-forward to the database's primary Service
 * (pods/portforward on the API server, as `kubectl port-forward svc/NAME` does), the credentials
 * from its `<name>-auth` Secret (used for the connection only), and the engine's client for it.
 */
import { EngineError } from '../../base/errors';
import {
  VerificationError,
  type DataEndpoint,
  type DataVerifier,
  type DataVerifiers,
  type TableCount,
} from '../../dataplane';
import { ENGINE_KINDS, ENGINE_PORTS, type Database } from '../../domain';
import { KUBEDB_API_VERSION } from '../../kubedb/types';
import { openPortForward, resolveServiceTarget, type ClusterClient } from '../../kube';

/** The engines with a data path (their primary Service's port is ENGINE_PORTS'). */
const DATA_PATH_ENGINES = new Set(['postgres', 'mysql', 'mariadb', 'redis']);
const DEFAULT_USERS: Record<string, string> = {
  postgres: 'postgres',
  mysql: 'root',
  mariadb: 'root',
  redis: 'default',
};
/** Bound of the connect and of each statement. */
export const STATEMENT_TIMEOUT_MS = 30_000;
/** The forward ends after this long whatever happens (the largest tables' counts included). */
const FORWARD_LIFETIME_MS = 10 * 60_000;
const MAX_LISTED = 10;

type Target = Pick<Database, 'namespace' | 'name' | 'engine'>;

export function verifierFor(verifiers: DataVerifiers, engine: string): DataVerifier | undefined {
  return (verifiers as Record<string, DataVerifier | undefined>)[engine];
}

function decode(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

/**
 * Runs `use` against the database through a port-forward, which is closed before this returns
 * (also when `use` throws). A connection failure carries what the API server said on the
 * forward's error channel, if it said anything.
 */
export async function withDataPath<T>(
  client: ClusterClient,
  database: Target,
  use: (endpoint: DataEndpoint) => Promise<T>,
  timeoutMs = STATEMENT_TIMEOUT_MS,
): Promise<T> {
  if (!DATA_PATH_ENGINES.has(database.engine))
    throw new EngineError('UNPROCESSABLE', `${database.engine} has no data path in the engine`);
  const signal = AbortSignal.timeout(timeoutMs);
  const { namespace, name } = database;
  const target = await resolveServiceTarget(
    client,
    namespace,
    name,
    ENGINE_PORTS[database.engine],
    signal,
  );
  // The Secret the database names (KubeDB's default is `<name>-auth`).
  const live = await client.get(KUBEDB_API_VERSION, ENGINE_KINDS[database.engine], namespace, name, signal); // prettier-ignore
  const secretName =
    (live?.spec as { authSecret?: { name?: string } } | undefined)?.authSecret?.name ??
    `${name}-auth`;
  const secret = await client.get('v1', 'Secret', namespace, secretName, signal);
  const data = (secret?.data ?? {}) as Record<string, string>;
  const password = decode(data.password);
  if (!password)
    throw new EngineError(
      'NOT_FOUND',
      `the credentials of ${name} are not there (no password in Secret ${secretName})`,
    );
  const forward = await openPortForward(client, database.namespace, target.pod, target.port, {
    timeoutMs,
    lifetimeMs: FORWARD_LIFETIME_MS,
  });
  try {
    return await use({
      host: forward.host,
      port: forward.port,
      username: decode(data.username) || DEFAULT_USERS[database.engine]!,
      password,
      timeoutMs,
    });
  } catch (error) {
    const said = forward.lastError();
    if (error instanceof VerificationError || !said) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${said})`, {
      cause: error,
    });
  } finally {
    await forward.close();
  }
}

function listed(counts: readonly { table: string; text: string }[]): string {
  const shown = counts.slice(0, MAX_LISTED).map((c) => `${c.table} ${c.text}`);
  return shown.join(', ') + (counts.length > MAX_LISTED ? `, … (${counts.length} tables)` : '');
}

/**
 * The default verification, judged against the source's counts read at drill start: every one of
 * the source's largest tables that has rows must be in the restore with rows. The counts need not
 * be equal (the source may have changed since the snapshot); both are recorded.
 */
export function judgeCounts(
  source: readonly TableCount[],
  restored: readonly TableCount[],
): { passed: boolean; summary: string } {
  const byTable = new Map(restored.map((c) => [c.table, c.rows]));
  const failures: string[] = [];
  const rows = source.map((s) => {
    const got = byTable.get(s.table) ?? null;
    if ((s.rows ?? 0) > 0 && got === null) failures.push(`${s.table} is missing`);
    else if ((s.rows ?? 0) > 0 && got === 0) failures.push(`${s.table} is empty`);
    return { table: s.table, text: `${s.rows ?? 'missing'} → ${got ?? 'missing'}` };
  });
  if (source.length === 0)
    return { passed: true, summary: 'the source has no tables: nothing to compare' };
  const summary = `row counts (source → restore): ${listed(rows)}`;
  return failures.length > 0
    ? { passed: false, summary: `${failures.join('; ')} in the restore; ${summary}` }
    : { passed: true, summary };
}

/** The restore's own largest tables, when the source could not be read to compare with. */
export function describeCounts(restored: readonly TableCount[]): string {
  return `row counts of the restore: ${listed(restored.map((c) => ({ table: c.table, text: String(c.rows ?? 'missing') })))}`;
}
