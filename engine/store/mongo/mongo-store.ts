import { MongoClient, type Db, type IndexDescription } from 'mongodb';
import { UnavailableError } from '../../base/errors';
import type { Store } from '../index';
import { AUDIT_INDEXES, MongoAuditEventRepository } from './mongo-audit';
import {
  createBackupRepository,
  createOperationRepository,
  MongoApiKeyRepository,
  MongoBackupStorageRepository,
  MongoDatabaseRepository,
  MongoDomainRepository,
  MongoProjectRepository,
  MongoProviderRepository,
  MongoUserRepository,
  RECORD_INDEXES,
} from './mongo-collections';
import { MongoContext, toEngineError } from './mongo-context';
import {
  METRIC_INDEXES,
  MongoMetaRepository,
  MongoMetricSampleRepository,
  MongoRefreshTokenRepository,
  REFRESH_TOKEN_INDEXES,
} from './mongo-small';

export interface MongoStoreOptions {
  /** A `mongodb://` or `mongodb+srv://` URL; it is never put into an error message or a log line. */
  url: string;
  dbName: string;
  /** How long to look for a server before calls fail with UnavailableError. Default 5000 ms. */
  serverSelectionTimeoutMs?: number;
}

/**
 * Connects to MongoDB (one collection per repository) and creates the indexes the store relies
 * on: unique names, list order, filters, and TTL indexes that expire refresh tokens and metric
 * samples. Creating an existing index is a no-op, so every engine instance may do it on start.
 */
export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  let client: MongoClient;
  try {
    client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
      appName: 'kubedb-dbaas-engine',
    });
  } catch (error) {
    // A malformed URL: the driver's message may quote it, so only the cause keeps it.
    throw new UnavailableError('the MongoDB URL is not valid', error);
  }
  try {
    await client.connect();
    const db = client.db(options.dbName);
    await ensureIndexes(db);
    return new MongoStore(client, new MongoContext(db));
  } catch (error) {
    await client.close().catch(() => undefined);
    throw toEngineError(error);
  }
}

async function ensureIndexes(db: Db): Promise<void> {
  const order: IndexDescription = { key: { _createdMs: 1, _id: 1 }, name: 'list_order' };
  const plan: Array<[string, IndexDescription[]]> = [
    ...Object.entries(RECORD_INDEXES).map(([name, indexes]): [string, IndexDescription[]] => [
      name,
      [order, ...indexes],
    ]),
    ['auditEvents', AUDIT_INDEXES],
    ['refreshTokens', REFRESH_TOKEN_INDEXES],
    ['metricSamples', METRIC_INDEXES],
  ];
  for (const [collection, indexes] of plan) await db.collection(collection).createIndexes(indexes);
}

class MongoStore implements Store {
  readonly databases: MongoDatabaseRepository;
  readonly providers: MongoProviderRepository;
  readonly operations: ReturnType<typeof createOperationRepository>;
  readonly domains: MongoDomainRepository;
  readonly projects: MongoProjectRepository;
  readonly backupStorages: MongoBackupStorageRepository;
  readonly backups: ReturnType<typeof createBackupRepository>;
  readonly auditEvents: MongoAuditEventRepository;
  readonly users: MongoUserRepository;
  readonly apiKeys: MongoApiKeyRepository;
  readonly refreshTokens: MongoRefreshTokenRepository;
  readonly metrics: MongoMetricSampleRepository;
  readonly meta: MongoMetaRepository;

  constructor(
    private readonly client: MongoClient,
    private readonly context: MongoContext,
  ) {
    this.databases = new MongoDatabaseRepository(context);
    this.providers = new MongoProviderRepository(context);
    this.operations = createOperationRepository(context);
    this.domains = new MongoDomainRepository(context);
    this.projects = new MongoProjectRepository(context);
    this.backupStorages = new MongoBackupStorageRepository(context);
    this.backups = createBackupRepository(context);
    this.auditEvents = new MongoAuditEventRepository(context);
    this.users = new MongoUserRepository(context);
    this.apiKeys = new MongoApiKeyRepository(context);
    this.refreshTokens = new MongoRefreshTokenRepository(context);
    this.metrics = new MongoMetricSampleRepository(context);
    this.meta = new MongoMetaRepository(context);
  }

  /** Best-effort: `fn` runs on this store without atomicity (see the port's TSDoc). */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.context.closed)
      return Promise.reject(new UnavailableError('the MongoDB store is closed'));
    return fn(this);
  }

  async ping(): Promise<void> {
    await this.context.call(() => this.context.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    if (this.context.closed) return;
    this.context.closed = true;
    await this.client.close();
  }

  dispose(): Promise<void> {
    return this.close();
  }
}
