export { openSqliteStore } from './sqlite-store';
export type { SqliteStoreOptions } from './sqlite-store';
export { applyMigrations, MIGRATIONS } from './migrations';
export type { Migration } from './migrations';
