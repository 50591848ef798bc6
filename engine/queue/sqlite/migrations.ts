import type { Database as SqliteDatabase } from 'better-sqlite3';

/** One schema step of the queue's tables. Never edit a released one: add the next. */
export interface QueueMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The queue's own tables. They may live in the engine's SQLite file, so every name starts with
 * `operation_queue_` and the history is kept apart from the store's `migrations` table.
 * `seq` gives the enqueue order; `available_at` holds a job back during a retry delay, and because
 * only the earliest queued job of a key may be claimed, it holds back the rest of its key too.
 */
export const QUEUE_MIGRATIONS: readonly QueueMigration[] = [
  {
    version: 1,
    name: 'operation queue jobs',
    sql: `
      CREATE TABLE operation_queue_jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        operation_id TEXT NOT NULL UNIQUE,
        job_key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        enqueued_at INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        lease_token TEXT,
        lease_expires_at INTEGER,
        finished_at INTEGER,
        reason TEXT
      );
      CREATE INDEX operation_queue_jobs_key ON operation_queue_jobs (job_key, state, seq);
      CREATE INDEX operation_queue_jobs_state ON operation_queue_jobs (state, available_at);
      CREATE INDEX operation_queue_jobs_finished ON operation_queue_jobs (finished_at)
        WHERE finished_at IS NOT NULL;
    `,
  },
];

/**
 * Brings the queue's tables up to date inside one IMMEDIATE transaction, so two processes opening
 * the same file at once do not both apply a step. Returns the versions applied now.
 */
export function applyQueueMigrations(
  db: SqliteDatabase,
  migrations: readonly QueueMigration[] = QUEUE_MIGRATIONS,
): number[] {
  const apply = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS operation_queue_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const rows = db.prepare('SELECT version FROM operation_queue_migrations').all() as Array<{
      version: number;
    }>;
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((migration) => migration.version));
    if (newest > known) {
      throw new Error(
        `the operation queue has schema version ${newest}, newer than this engine's ${known}`,
      );
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare(
        'INSERT INTO operation_queue_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      ).run(migration.version, migration.name, new Date().toISOString());
      done.push(migration.version);
    }
    return done;
  });
  return apply.immediate();
}
