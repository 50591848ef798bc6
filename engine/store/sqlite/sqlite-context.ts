import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { ConflictError, EngineError, UnavailableError } from '../../base/errors';
import { DuplicateError } from '../errors';

/** A unique key of a table: its columns, the record fields they hold, and how to name a clash. */
export interface UniqueKey<T> {
  columns: readonly string[];
  fields: readonly string[];
  describe(record: T): string;
}

/**
 * What every repository of one SQLite store shares: the connection, a statement cache, and the
 * gate that keeps calls out while a transaction is open. A transaction view shares all of it but
 * skips the gate, since it is the one holding it.
 */
export class SqliteContext {
  private readonly statements = new Map<string, Statement>();
  private active: Promise<void> | null = null;
  closed = false;

  constructor(readonly db: SqliteDatabase) {}

  statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * The open transaction's end, or null. Callers loop `while (context.busy) await context.busy`
   * and then run synchronously, with no await between the last check and the work, so nothing
   * slips in between.
   */
  get busy(): Promise<void> | null {
    return this.active;
  }

  /** Holds the gate until the returned release is called; the caller must have seen `busy` null. */
  hold(): () => void {
    let release!: () => void;
    this.active = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.active = null;
      release();
    };
  }
}

/** The view a repository works through: the shared context, and whether it runs inside a transaction. */
export interface SqliteScope {
  readonly context: SqliteContext;
  readonly inTransaction: boolean;
}

/** Runs a synchronous SQLite call after the gate, turning driver errors into EngineErrors. */
export async function run<R>(
  scope: SqliteScope,
  task: () => R,
  onUnique?: (error: Error) => EngineError,
): Promise<R> {
  const { context } = scope;
  if (!scope.inTransaction) while (context.busy) await context.busy;
  if (context.closed) throw new UnavailableError('the SQLite store is closed');
  try {
    return task();
  } catch (error) {
    throw toEngineError(error, onUnique);
  }
}

/** Maps better-sqlite3 errors; messages never quote SQL values. */
export function toEngineError(
  error: unknown,
  onUnique?: (error: Error) => EngineError,
): EngineError {
  if (error instanceof EngineError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (
      (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
      onUnique
    ) {
      return onUnique(error as Error);
    }
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      return new UnavailableError('the SQLite store is busy (another process holds a lock)', error);
    }
    if (code.startsWith('SQLITE_CONSTRAINT'))
      return new ConflictError('a store constraint was violated', error);
  }
  if (error instanceof TypeError && /not open/.test(error.message)) {
    return new UnavailableError('the SQLite store is closed', error);
  }
  return new EngineError('INTERNAL', 'the SQLite store failed', { cause: error });
}

/** The unique key an SQLite "UNIQUE constraint failed: t.a, t.b" error is about, if one of `keys`. */
export function duplicateFor<T>(
  what: string,
  keys: readonly UniqueKey<T>[],
  record: T & { id: string },
  error: Error,
): EngineError {
  const failed = (error.message.split('failed:')[1] ?? '')
    .split(',')
    .map((part) => part.trim().split('.').pop() ?? '')
    .sort()
    .join(',');
  const key = keys.find((candidate) => [...candidate.columns].sort().join(',') === failed);
  if (key) return new DuplicateError(what, key.fields, key.describe(record), error);
  if (failed === 'id') return new DuplicateError(what, ['id'], `with id ${record.id}`, error);
  return new ConflictError(`${what} clashes with an existing one`, error);
}
