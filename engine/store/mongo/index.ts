export { openMongoStore } from './mongo-store';
export type { MongoStoreOptions } from './mongo-store';
