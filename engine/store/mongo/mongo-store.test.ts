import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../base/errors';
import { runStoreConformance } from '../conformance/store-conformance';
import { openMongoStore } from './mongo-store';

// The test reads the environment itself: it is an entry point, not engine code.
const url = process.env.MONGODB_URL;
if (!url) console.log('MongoDB store suite SKIPPED: MONGODB_URL is not set');

const runId = randomBytes(4).toString('hex');
const created: string[] = [];
let counter = 0;

// Without a mongod here, MONGODB_URL is usually the MongoDB wire test server (mockupdb + mongomock).
describe.skipIf(!url)(
  'mongodb store against MONGODB_URL (here: MongoDB wire test server, not mongod)',
  () => {
    afterAll(async () => {
      // Each test got its own database; drop them all so that a shared server is left clean.
      const client = new MongoClient(url as string);
      await client.connect();
      for (const name of created) await client.db(name).dropDatabase();
      await client.close();
    });

    runStoreConformance(
      'mongodb',
      () => {
        const dbName = `dbaas_test_${runId}_${(counter += 1)}`;
        created.push(dbName);
        return openMongoStore({ url: url as string, dbName });
      },
      { atomicTransactions: false },
    );
  },
);

describe('mongodb store without a server', () => {
  it('fails with UnavailableError that does not quote the URL', async () => {
    const secretUrl = 'mongodb://dbaas:hunter2-password@127.0.0.1:1/?directConnection=true';
    const error = await openMongoStore({
      url: secretUrl,
      dbName: 'x',
      serverSelectionTimeoutMs: 200,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toContain('hunter2-password');
    expect((error as Error).message).not.toContain('127.0.0.1');
  });

  it('refuses a malformed URL without echoing it', async () => {
    const error = await openMongoStore({ url: 'not-a-url://secret-token@', dbName: 'x' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toContain('secret-token');
  });
});
