/** psql one-liners against a real server (the simulator has no PostgreSQL driver dependency). */
import { runTool, type RunAs } from './exec';
import { DEFAULT_PG_BIN } from './archive';

/** How to reach a server as a superuser (the `<name>-auth` credentials). */
export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

export interface PgCall {
  pgBin?: string;
  runAs?: RunAs;
  timeoutMs?: number;
}

export function pgEnv(conn: PgConnection): Record<string, string> {
  return { PGPASSWORD: conn.password, PGCONNECT_TIMEOUT: '5', TZ: 'UTC' };
}

/** Runs SQL and returns the unaligned, tuples-only output (`psql -At`). */
export async function psql(conn: PgConnection, sql: string, call: PgCall = {}): Promise<string> {
  const args = ['-h', conn.host, '-p', String(conn.port), '-U', conn.user];
  args.push('-d', conn.database ?? 'postgres', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql);
  const out = await runTool(`${call.pgBin ?? DEFAULT_PG_BIN}/psql`, args, {
    env: pgEnv(conn),
    secrets: [conn.password],
    timeoutMs: call.timeoutMs ?? 30_000,
    runAs: call.runAs,
  });
  return out.trim();
}

/** The server's clock (commit timestamps come from the same clock), as an ISO string. */
export async function serverTime(conn: PgConnection, call: PgCall = {}): Promise<string> {
  const out = await psql(
    conn,
    `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    call,
  );
  return out;
}
