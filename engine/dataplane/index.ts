/**
 * The data path port: reading a database through its own client (PostgreSQL, MySQL/MariaDB, Redis)
 * for what the engine must check inside it — a restore drill's verification. The adapters live in
 * `dataplane/postgres`, `dataplane/mysql` and `engine/redis` (ioredis has one home); engine.ts
 * hands them to the services by engine. Every call is bounded by the endpoint's `timeoutMs` and
 * closes its connection before it returns; no message carries the password.
 */

/** Where and as whom to connect; the password is used for the connection only, never logged. */
export interface DataEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Bound of the connect and of each statement. */
  timeoutMs: number;
}

/** A table (schema-qualified, or `keys` for Redis) and its row count; null when it does not exist. */
export interface TableCount {
  table: string;
  rows: number | null;
}

/** Verification of one engine's databases through a real client. */
export interface DataVerifier {
  /**
   * Exact row counts: of the `tables` named, or without them of the largest tables (by size, at
   * most `limit`, default 10). Redis answers its key count (`DBSIZE`) as one table, `keys`.
   */
  counts(endpoint: DataEndpoint, tables?: readonly string[], limit?: number): Promise<TableCount[]>;
  /**
   * Runs a user's verification read-only (a SQL statement in a read-only transaction, or an
   * allow-listed Redis command) and answers a one-line summary of its result; a failure throws a
   * `VerificationError` with the server's own message.
   */
  verify(endpoint: DataEndpoint, text: string): Promise<string>;
}

/** The verifiers the engine has, by database engine (MongoDB and Elasticsearch have none). */
export type DataVerifiers = Partial<
  Record<'postgres' | 'mysql' | 'mariadb' | 'redis', DataVerifier>
>;

/** The verification itself failed (the SQL error, the refused command) — not the connection. */
export class VerificationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerificationError';
  }
}

/** The read-only Redis commands a drill may run as `verify.command`. */
export const REDIS_VERIFY_COMMANDS = [
  'PING',
  'DBSIZE',
  'EXISTS',
  'GET',
  'TYPE',
  'TTL',
  'STRLEN',
  'HGET',
  'HLEN',
  'LLEN',
  'SCARD',
  'ZCARD',
] as const;

/**
 * Splits a Redis command line (words, or double-quoted strings with `\"`) and checks it against
 * the allow-list; answers the words, or an error message naming the rule.
 */
export function parseRedisCommand(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = pattern.exec(line); match; match = pattern.exec(line))
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  const name = words[0]?.toUpperCase();
  if (!name) return { error: 'verify.command is empty' };
  if (!(REDIS_VERIFY_COMMANDS as readonly string[]).includes(name))
    return {
      error: `verify.command must be one of the read-only commands ${REDIS_VERIFY_COMMANDS.join(', ')} (got ${name.slice(0, 20)})`,
    };
  if (words.length > 20) return { error: 'verify.command takes at most 20 words' };
  return { words: [name, ...words.slice(1)] };
}

/** A result as one short line: at most `max` characters. */
export function summarize(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? String(value)).length > max
    ? `${(text ?? String(value)).slice(0, max - 1)}…`
    : (text ?? String(value));
}
