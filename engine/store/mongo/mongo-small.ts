import type { IndexDescription } from 'mongodb';
import { ConflictError } from '../../base/errors';
import { StaleRevisionError } from '../errors';
import type { MetaRepository, MetricSampleRepository, RefreshTokenRepository } from '../index';
import { toEpochMs } from '../paging';
import {
  METRIC_RETENTION_MS,
  type MetaEntry,
  type MetricSample,
  type RefreshToken,
} from '../records';
import { fromDoc, type MongoContext, type MongoDoc } from './mongo-context';

/** TTL indexes let MongoDB drop expired tokens and old samples on its own; `prune*` stays for SQLite parity. */
export const REFRESH_TOKEN_INDEXES: IndexDescription[] = [
  { key: { tokenHash: 1 }, name: 'token_hash', unique: true },
  { key: { userId: 1 }, name: 'user' },
  { key: { _expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 },
];

export const METRIC_INDEXES: IndexDescription[] = [
  { key: { databaseId: 1, t: 1 }, name: 'series' },
  { key: { t: 1 }, name: 'age' },
  { key: { _at: 1 }, name: 'ttl', expireAfterSeconds: METRIC_RETENTION_MS / 1000 },
];

export class MongoRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly context: MongoContext) {}

  private get collection() {
    return this.context.collection('refreshTokens');
  }

  async create(token: RefreshToken): Promise<RefreshToken> {
    const expiresMs = toEpochMs(token.expiresAt, 'expiresAt');
    const stored = { ...token };
    await this.context.call(
      () =>
        this.collection.insertOne({ ...stored, _id: token.id, _expiresAt: new Date(expiresMs) }),
      (error) => new ConflictError('a refresh token with this id or hash already exists', error),
    );
    return stored;
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | null> {
    return fromDoc<RefreshToken>(
      await this.context.call(() => this.collection.findOne({ tokenHash })),
    );
  }

  async revoke(
    id: string,
    revokedAt: string,
    replacedBy: string | null = null,
    rotatedBy: string | null = null,
  ): Promise<boolean> {
    const result = await this.context.call(() =>
      this.collection.updateOne(
        { _id: id, revokedAt: null },
        { $set: { revokedAt, replacedBy, rotatedBy } },
      ),
    );
    return result.modifiedCount > 0;
  }

  async revokeAllForUser(userId: string, revokedAt: string): Promise<number> {
    const result = await this.context.call(() =>
      this.collection.updateMany({ userId, revokedAt: null }, { $set: { revokedAt } }),
    );
    return result.modifiedCount;
  }

  async pruneExpired(now: string): Promise<number> {
    const nowMs = toEpochMs(now, 'now');
    const result = await this.context.call(() =>
      this.collection.deleteMany({ _expiresAt: { $lt: new Date(nowMs) } }),
    );
    return result.deletedCount;
  }
}

export class MongoMetricSampleRepository implements MetricSampleRepository {
  constructor(private readonly context: MongoContext) {}

  // Samples have no identity of their own: MongoDB gives them ObjectIds, so this collection is untyped.
  private get collection() {
    return this.context.db.collection('metricSamples');
  }

  async append(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    const docs = samples.map((sample) => ({
      databaseId: sample.databaseId,
      t: sample.t,
      name: sample.name,
      value: sample.value,
      _at: new Date(sample.t),
    }));
    await this.context.call(() => this.collection.insertMany(docs, { ordered: false }));
  }

  async query(
    databaseId: string,
    range: { from: number; to: number; names?: readonly string[] },
  ): Promise<MetricSample[]> {
    const filter = {
      databaseId,
      t: { $gte: range.from, $lte: range.to },
      ...(range.names && range.names.length > 0 ? { name: { $in: [...range.names] } } : {}),
    };
    const docs = await this.context.call(() =>
      this.collection
        .find(filter, { projection: { _id: 0, _at: 0 } })
        .sort({ t: 1, name: 1 })
        .toArray(),
    );
    return docs.map((doc) => ({
      databaseId: doc.databaseId as string,
      t: doc.t as number,
      name: doc.name as string,
      value: doc.value as number,
    }));
  }

  async prune(before: number): Promise<number> {
    const result = await this.context.call(() =>
      this.collection.deleteMany({ t: { $lt: before } }),
    );
    return result.deletedCount;
  }
}

/** Values are kept as JSON text, so any JSON (keys with `$` or `.`) round-trips unchanged. */
export class MongoMetaRepository implements MetaRepository {
  constructor(private readonly context: MongoContext) {}

  private get collection() {
    return this.context.collection('meta');
  }

  async get(key: string): Promise<MetaEntry | null> {
    const doc = await this.context.call(() => this.collection.findOne({ _id: key }));
    return doc ? toEntry(doc) : null;
  }

  async put(key: string, value: unknown, expectedRevision?: number | null): Promise<MetaEntry> {
    const json = JSON.stringify(value ?? null);
    if (expectedRevision === null) {
      await this.context.call(
        () => this.collection.insertOne({ _id: key, revision: 1, value: json }),
        (error) => new ConflictError(`meta entry ${key} already exists`, error),
      );
      return { key, value: JSON.parse(json) as unknown, revision: 1 };
    }
    const filter =
      expectedRevision === undefined ? { _id: key } : { _id: key, revision: expectedRevision };
    const upsert = expectedRevision === undefined;
    const write = () =>
      this.context.call(
        () =>
          this.collection.findOneAndUpdate(
            filter,
            { $set: { value: json }, $inc: { revision: 1 } },
            { upsert, returnDocument: 'after' },
          ),
        (error) => new ConflictError(`meta entry ${key} was created concurrently`, error),
      );
    let doc: MongoDoc | null;
    try {
      doc = await write();
    } catch (error) {
      // Two upserts of a new key race to insert; the loser retries once, then finds the key.
      if (!upsert || !(error instanceof ConflictError)) throw error;
      doc = await write();
    }
    if (!doc) throw new StaleRevisionError('meta entry', key, expectedRevision ?? 0);
    return toEntry(doc);
  }

  async delete(key: string): Promise<boolean> {
    const result = await this.context.call(() => this.collection.deleteOne({ _id: key }));
    return result.deletedCount > 0;
  }
}

function toEntry(doc: MongoDoc): MetaEntry {
  return {
    key: doc._id,
    revision: doc.revision as number,
    value: JSON.parse(doc.value as string) as unknown,
  };
}
