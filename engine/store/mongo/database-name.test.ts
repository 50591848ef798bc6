import { describe, expect, it } from 'vitest';
import { DEFAULT_MONGO_DATABASE, mongoDatabaseName } from './database-name';

describe('the MongoDB database name', () => {
  it('is the one the URL names, else the default', () => {
    expect(mongoDatabaseName('mongodb://a:27017,b:27017/fleet_prod?replicaSet=rs0')).toBe(
      'fleet_prod',
    );
    expect(mongoDatabaseName('mongodb+srv://u:p@cluster.example.com/ops')).toBe('ops');
    expect(mongoDatabaseName('mongodb://127.0.0.1:27017')).toBe(DEFAULT_MONGO_DATABASE);
    expect(mongoDatabaseName('mongodb://127.0.0.1:27017/?tls=true')).toBe(DEFAULT_MONGO_DATABASE);
    expect(mongoDatabaseName('mongodb://127.0.0.1/a%2Db')).toBe('a-b');
  });
});
