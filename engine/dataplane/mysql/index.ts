/** The MySQL/MariaDB data path (`mysql2`): row counts and read-only verification SQL. */
import mysql from 'mysql2/promise';
import {
  VerificationError,
  summarize,
  type DataEndpoint,
  type DataVerifier,
  type TableCount,
} from '../index';

const SYSTEM_SCHEMAS = "('mysql', 'information_schema', 'performance_schema', 'sys')";
const LARGEST_TABLES = `
  SELECT table_schema AS s, table_name AS n FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ${SYSTEM_SCHEMAS}
  ORDER BY data_length + index_length DESC, table_rows DESC, 1, 2
  LIMIT ?`;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withConnection<T>(
  endpoint: DataEndpoint,
  use: (c: mysql.Connection) => Promise<T>,
): Promise<T> {
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({
      host: endpoint.host,
      port: endpoint.port,
      user: endpoint.username,
      password: endpoint.password,
      connectTimeout: endpoint.timeoutMs,
      multipleStatements: false,
    });
  } catch (error) {
    throw new Error(`MySQL did not accept the connection: ${messageOf(error)}`, { cause: error });
  }
  connection.on('error', () => undefined);
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

function split(table: string): [string, string] {
  const dot = table.indexOf('.');
  if (dot < 0) throw new Error(`table ${table} names no database (database.table)`);
  return [table.slice(0, dot), table.slice(dot + 1)];
}

async function countOf(
  connection: mysql.Connection,
  table: string,
  timeout: number,
): Promise<TableCount> {
  const [schema, name] = split(table);
  const [found] = await connection.query<mysql.RowDataPacket[]>({
    sql: 'SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    values: [schema, name],
    timeout,
  });
  if (found.length === 0) return { table, rows: null };
  const [rows] = await connection.query<mysql.RowDataPacket[]>({
    sql: `SELECT COUNT(*) AS n FROM ${connection.escapeId(schema)}.${connection.escapeId(name)}`,
    timeout,
  });
  return { table, rows: Number(rows[0]?.n ?? 0) };
}

function describeResult(result: unknown): string {
  if (!Array.isArray(result)) {
    const header = result as { affectedRows?: number };
    return `verify.sql ran (${header.affectedRows ?? 0} rows affected)`;
  }
  const rows = result as Record<string, unknown>[];
  if (rows.length === 0) return 'verify.sql returned no rows';
  const first = Object.entries(rows[0]!)
    .map(([k, v]) => `${k}=${summarize(v, 60)}`)
    .join(', ');
  return `verify.sql returned ${rows.length} row${rows.length === 1 ? '' : 's'}: ${summarize(first, 160)}`;
}

/** The MySQL/MariaDB verifier: every non-system database, the largest tables by size. */
export function createMysqlVerifier(): DataVerifier {
  return {
    counts: (endpoint, tables, limit = 10) =>
      withConnection(endpoint, async (connection) => {
        const names =
          tables ??
          (
            await connection.query<mysql.RowDataPacket[]>({
              sql: LARGEST_TABLES,
              values: [limit],
              timeout: endpoint.timeoutMs,
            })
          )[0].map((r) => `${String(r.s)}.${String(r.n)}`);
        const counts: TableCount[] = [];
        for (const table of names)
          counts.push(await countOf(connection, table, endpoint.timeoutMs));
        return counts;
      }),
    verify: (endpoint, text) =>
      withConnection(endpoint, async (connection) => {
        await connection.query('START TRANSACTION READ ONLY');
        try {
          const [result] = await connection.query({ sql: text, timeout: endpoint.timeoutMs });
          return describeResult(result);
        } catch (error) {
          throw new VerificationError(`verify.sql failed: ${messageOf(error)}`, { cause: error });
        } finally {
          await connection.query('ROLLBACK').catch(() => undefined);
        }
      }),
  };
}
