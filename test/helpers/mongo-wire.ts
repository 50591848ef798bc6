/** The MongoDB wire test server (not mongod) for tests: see scripts/lib/mongo-wire.mjs. */
export {
  MONGO_WIRE_LABEL,
  mongoWireAvailable,
  runNeedsMongo,
  startMongoWire,
  type MongoWire,
} from '../../scripts/lib/mongo-wire.mjs';
