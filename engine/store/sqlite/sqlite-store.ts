import BetterSqlite3 from 'better-sqlite3';
import { EngineError, UnavailableError } from '../../base/errors';
import type { Store } from '../index';
import { applyMigrations, MIGRATIONS, type Migration } from './migrations';
import { preparePrivateFile } from './private-file';
import { SqliteAuditEventRepository } from './sqlite-audit';
import {
  createBackupRepository,
  createOperationRepository,
  SqliteApiKeyRepository,
  SqliteBackupStorageRepository,
  SqliteDatabaseRepository,
  SqliteDomainRepository,
  SqliteProjectRepository,
  SqliteProviderRepository,
  SqliteUserRepository,
} from './sqlite-collections';
import { run, SqliteContext, toEngineError, type SqliteScope } from './sqlite-context';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';
import {
  SqliteMetaRepository,
  SqliteMetricSampleRepository,
  SqliteRefreshTokenRepository,
} from './sqlite-small';

/** A database file (created 0600 with its folder when absent), or a private in-memory database. */
export type SqliteStoreOptions = ({ file: string } | { memory: true }) & {
  /** How long a call waits for another process's lock before failing with UnavailableError. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** For tests of the migration machinery; defaults to the engine's schema history. */
  migrations?: readonly Migration[];
  /** How often the worker checkpoints the WAL (files only). Default 1000 ms. */
  checkpointIntervalMs?: number;
};

/**
 * Opens the embedded store: WAL journal (readers never wait for the writer), `busy_timeout`,
 * foreign keys on, `synchronous=NORMAL` (durable at every checkpoint, safe against corruption),
 * then brings the schema up to date. better-sqlite3 is synchronous: each call is short (indexed,
 * paged by at most 500 rows), which keeps Electron's main process responsive. Checkpoints, which
 * copy the WAL into the file and fsync, run in a worker thread instead (see wal-checkpointer.ts).
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  let db: BetterSqlite3.Database;
  try {
    // 0600 before the first byte is written, like the vault.
    if ('file' in options) preparePrivateFile(options.file);
    db = new BetterSqlite3('file' in options ? options.file : ':memory:');
  } catch (error) {
    // The path may be sensitive (a home folder); it stays in the cause, which only logs see.
    throw new UnavailableError('the SQLite store file could not be opened', error);
  }
  try {
    if ('file' in options) db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    applyMigrations(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    db.close();
    if (error instanceof Error && /schema version/.test(error.message)) {
      throw new EngineError('INTERNAL', error.message, { cause: error, terminal: true });
    }
    throw toEngineError(error);
  }
  let checkpointer: WalCheckpointer | undefined;
  try {
    if ('file' in options) {
      db.pragma('wal_autocheckpoint = 0');
      checkpointer = startWalCheckpointer(options.file, options.checkpointIntervalMs);
    }
  } catch (error) {
    db.close();
    if (error instanceof Error && /schema version/.test(error.message)) {
      throw new EngineError('INTERNAL', error.message, { cause: error, terminal: true });
    }
    throw toEngineError(error);
  }
  return new SqliteStore(new SqliteContext(db), false, checkpointer);
}

/** The SQLite store, or (with `inTransaction`) the view a transaction's function works through. */
class SqliteStore implements Store, SqliteScope {
  readonly databases = new SqliteDatabaseRepository(this);
  readonly providers = new SqliteProviderRepository(this);
  readonly operations = createOperationRepository(this);
  readonly domains = new SqliteDomainRepository(this);
  readonly projects = new SqliteProjectRepository(this);
  readonly backupStorages = new SqliteBackupStorageRepository(this);
  readonly backups = createBackupRepository(this);
  readonly auditEvents = new SqliteAuditEventRepository(this);
  readonly users = new SqliteUserRepository(this);
  readonly apiKeys = new SqliteApiKeyRepository(this);
  readonly refreshTokens = new SqliteRefreshTokenRepository(this);
  readonly metrics = new SqliteMetricSampleRepository(this);
  readonly meta = new SqliteMetaRepository(this);

  constructor(
    readonly context: SqliteContext,
    readonly inTransaction: boolean,
    /** The root store's WAL checkpointer (file stores only). */
    readonly checkpointer?: WalCheckpointer,
  ) {}

  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    // Nested: join the open transaction; its commit covers this work.
    if (this.inTransaction) return fn(this);
    const { context } = this;
    while (context.busy) await context.busy;
    if (context.closed) throw new UnavailableError('the SQLite store is closed');
    const release = context.hold();
    try {
      context.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      release();
      throw toEngineError(error);
    }
    try {
      const result = await fn(new SqliteStore(context, true));
      context.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (context.db.inTransaction) context.db.exec('ROLLBACK');
      throw error;
    } finally {
      release();
    }
  }

  async ping(): Promise<void> {
    await run(this, () => this.context.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.inTransaction || this.context.closed) return;
    while (this.context.busy) await this.context.busy;
    if (this.context.closed) return;
    this.context.closed = true;
    this.context.db.close();
    // Closed last, the worker's connection folds the WAL into the file and removes it.
    await this.checkpointer?.stop();
  }

  dispose(): Promise<void> {
    return this.close();
  }
}
