/** The PostgreSQL data path (`pg`): row counts and read-only verification SQL of one database. */
import pg from 'pg';
import {
  VerificationError,
  summarize,
  type DataEndpoint,
  type DataVerifier,
  type TableCount,
} from '../index';

const LARGEST_TABLES = `
  SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2
  LIMIT $1`;

async function connect(endpoint: DataEndpoint): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.username,
    password: endpoint.password,
    database: 'postgres',
    connectionTimeoutMillis: endpoint.timeoutMs,
    statement_timeout: endpoint.timeoutMs,
    query_timeout: endpoint.timeoutMs + 1_000,
    application_name: 'kubedb-dbaas-drill',
  });
  // An error after connect (the server going away) surfaces on the query; never unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(`PostgreSQL did not accept the connection: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return client;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withClient<T>(
  endpoint: DataEndpoint,
  use: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(endpoint);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `schema.name` → quoted identifier pair; a name without a schema is in `public`. */
function quoted(client: pg.Client, table: string): string {
  const dot = table.indexOf('.');
  const [schema, name] = dot < 0 ? ['public', table] : [table.slice(0, dot), table.slice(dot + 1)];
  return `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
}

async function countOf(client: pg.Client, table: string): Promise<TableCount> {
  const exists = await client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [
    quoted(client, table),
  ]);
  if (!exists.rows[0]?.oid) return { table, rows: null };
  const result = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${quoted(client, table)}`,
  );
  return { table, rows: Number(result.rows[0]?.n ?? 0) };
}

function describeResult(result: pg.QueryResult | pg.QueryResult[]): string {
  const last = Array.isArray(result) ? result.at(-1) : result;
  if (!last) return 'verify.sql ran';
  const rows = last.rows as Record<string, unknown>[];
  if (rows.length === 0) return `verify.sql returned no rows (${last.command ?? 'statement'})`;
  const first = Object.entries(rows[0]!)
    .map(([k, v]) => `${k}=${summarize(v, 60)}`)
    .join(', ');
  return `verify.sql returned ${rows.length} row${rows.length === 1 ? '' : 's'}: ${summarize(first, 160)}`;
}

/** The PostgreSQL verifier: the `postgres` database, the largest user tables by total size. */
export function createPostgresVerifier(): DataVerifier {
  return {
    counts: (endpoint, tables, limit = 10) =>
      withClient(endpoint, async (client) => {
        const names =
          tables ??
          (await client.query<{ schema: string; name: string }>(LARGEST_TABLES, [limit])).rows.map(
            (r) => `${r.schema}.${r.name}`,
          );
        const counts: TableCount[] = [];
        for (const table of names) counts.push(await countOf(client, table));
        return counts;
      }),
    verify: (endpoint, text) =>
      withClient(endpoint, async (client) => {
        await client.query('BEGIN READ ONLY');
        try {
          return describeResult(await client.query(text));
        } catch (error) {
          throw new VerificationError(`verify.sql failed: ${messageOf(error)}`, { cause: error });
        } finally {
          await client.query('ROLLBACK').catch(() => undefined);
        }
      }),
  };
}
