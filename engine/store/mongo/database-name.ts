/** The database the engine uses when the MongoDB URL names none. */
export const DEFAULT_MONGO_DATABASE = 'kubedb_dbaas';

/**
 * The database named in a MongoDB connection string (`mongodb://h1,h2/name?replicaSet=rs`), as
 * the driver reads it, or the engine's default. Replicas of one deployment share the URL, and so
 * the database; two deployments on one server differ by the name in their URLs.
 */
export function mongoDatabaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? DEFAULT_MONGO_DATABASE : name;
}
