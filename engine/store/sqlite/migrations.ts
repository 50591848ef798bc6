import type { Database as SqliteDatabase } from 'better-sqlite3';

/** One schema step. Applied in order, each in its own transaction, and recorded in `migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A column computed from the JSON record, so that filters and unique keys can be indexed. */
const col = (name: string, path: string): string =>
  `${name} TEXT GENERATED ALWAYS AS (json_extract(doc, '$.${path}')) VIRTUAL`;

/** The common head of every record table: the JSON record plus what ordering and concurrency need. */
const recordTable = (table: string, columns: readonly string[]): string => `
  CREATE TABLE ${table} (
    id TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    doc TEXT NOT NULL${columns.map((column) => `,\n    ${column}`).join('')}
  );
  CREATE INDEX ${table}_order ON ${table} (created_ms, id);`;

/**
 * The schema history. Never edit a released migration: add the next one. No FOREIGN KEY clauses
 * (the pragma is on for future use): MongoDB cannot enforce them, and both adapters must behave the
 * same under the conformance suite; services check references.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      ${recordTable('databases', [
        col('name', 'name'),
        col('domain', 'domain'),
        col('project', 'project'),
        col('engine', 'engine'),
        col('status', 'status'),
        col('provider_id', 'providerId'),
      ])}
      CREATE UNIQUE INDEX databases_live_name ON databases (domain, project, name) WHERE status <> 'DELETED';
      CREATE INDEX databases_provider ON databases (provider_id, status);
      CREATE INDEX databases_status ON databases (status);

      ${recordTable('providers', [col('name', 'name')])}
      CREATE UNIQUE INDEX providers_name ON providers (name);

      ${recordTable('operations', [col('database_id', 'databaseId'), col('status', 'status'), col('type', 'type')])}
      CREATE INDEX operations_database ON operations (database_id, created_ms);
      CREATE INDEX operations_status ON operations (status);

      ${recordTable('domains', [col('name', 'name')])}
      CREATE UNIQUE INDEX domains_name ON domains (name);

      ${recordTable('projects', [col('domain', 'domain'), col('name', 'name')])}
      CREATE UNIQUE INDEX projects_domain_name ON projects (domain, name);

      ${recordTable('backup_storages', [col('name', 'name')])}
      CREATE UNIQUE INDEX backup_storages_name ON backup_storages (name);

      ${recordTable('backups', [col('database_id', 'databaseId')])}
      CREATE INDEX backups_database ON backups (database_id, created_ms);

      ${recordTable('users', [col('username', 'username')])}
      CREATE UNIQUE INDEX users_username ON users (username);

      ${recordTable('api_keys', [col('prefix', 'prefix'), col('created_by', 'createdBy')])}
      CREATE INDEX api_keys_prefix ON api_keys (prefix);
      CREATE INDEX api_keys_created_by ON api_keys (created_by);

      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
      );
      CREATE INDEX audit_events_actor ON audit_events (actor, seq);
      CREATE INDEX audit_events_action ON audit_events (action, seq);
      CREATE INDEX audit_events_time ON audit_events (time_ms);

      CREATE TABLE refresh_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        expires_ms INTEGER NOT NULL,
        revoked_at TEXT,
        doc TEXT NOT NULL
      );
      CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
      CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_ms);

      CREATE TABLE metric_samples (
        database_id TEXT NOT NULL,
        t INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL NOT NULL
      );
      CREATE INDEX metric_samples_series ON metric_samples (database_id, t);
      CREATE INDEX metric_samples_age ON metric_samples (t);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        revision INTEGER NOT NULL,
        value TEXT NOT NULL
      );
    `,
  },
];

/**
 * Brings the schema up to date: creates `migrations` if needed, then applies each migration whose
 * version is not recorded, each in one transaction with its record, so a crash never leaves half
 * a step. Returns the versions applied now (empty when the schema was current).
 */
export function applyMigrations(
  db: SqliteDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM migrations').all() as Array<{ version: number }>).map(
      (row) => row.version,
    ),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((migration) => migration.version));
  if (newest > known) {
    throw new Error(
      `the SQLite store has schema version ${newest}, newer than this engine's ${known}`,
    );
  }
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    })();
    done.push(migration.version);
  }
  return done;
}
