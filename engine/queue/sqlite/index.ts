export { openSqliteOperationQueue, SqliteOperationQueue } from './sqlite-queue';
export type { SqliteQueueLocation, SqliteQueueOptions } from './sqlite-queue';
export { applyQueueMigrations, QUEUE_MIGRATIONS } from './migrations';
export type { QueueMigration } from './migrations';
