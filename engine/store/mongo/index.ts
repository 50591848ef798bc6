export { openMongoStore } from './mongo-store';
export type { MongoStoreOptions } from './mongo-store';
export { DEFAULT_MONGO_DATABASE, mongoDatabaseName } from './database-name';
