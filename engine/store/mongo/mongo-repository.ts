import type { Filter } from 'mongodb';
import { NotFoundError } from '../../base/errors';
import { StaleRevisionError } from '../errors';
import type { Repository } from '../index';
import {
  decodeCursor,
  encodeCursor,
  pageLimit,
  toEpochMs,
  type Page,
  type PageRequest,
} from '../paging';
import type { StoredRecord } from '../records';
import {
  duplicateFor,
  fromDoc,
  type MongoContext,
  type MongoDoc,
  type MongoUniqueKey,
} from './mongo-context';

/** How one collection maps to a repository: its name, unique keys, filter translation, extra fields. */
export interface MongoCollectionSpec<T, F> {
  collection: string;
  what: string;
  uniques: readonly MongoUniqueKey<T>[];
  /** Conditions for a filter; combined with AND. */
  where(filter: F): Filter<MongoDoc>[];
  /** Extra indexed fields derived from the record (e.g. `_live` for a partial unique index). */
  derive?(record: T): Record<string, unknown>;
}

/** `{ field: value }` or `{ field: { $in: values } }`; an empty list matches nothing. */
export function equalsAny(
  field: string,
  value: string | readonly string[] | undefined,
): Filter<MongoDoc>[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [{ [field]: value }];
  return [{ [field]: { $in: [...value] } }];
}

/** Combines conditions into one filter. */
export function allOf(clauses: Filter<MongoDoc>[]): Filter<MongoDoc> {
  if (clauses.length === 0) return {};
  if (clauses.length === 1 && clauses[0]) return clauses[0];
  return { $and: clauses };
}

/**
 * The generic MongoDB repository: the record's fields at the top level of the document, `_id`
 * = `id`, `_createdMs` for ordering. Updates replace the document only at the expected revision.
 */
export class MongoRepository<T extends StoredRecord, F> implements Repository<T, F> {
  constructor(
    protected readonly context: MongoContext,
    protected readonly spec: MongoCollectionSpec<T, F>,
  ) {}

  protected get collection() {
    return this.context.collection(this.spec.collection);
  }

  private toDoc(record: T, createdMs: number): MongoDoc {
    return { ...record, ...this.spec.derive?.(record), _id: record.id, _createdMs: createdMs };
  }

  async create(record: T): Promise<T> {
    const createdMs = toEpochMs(record.createdAt, 'createdAt');
    const stored = { ...record, revision: 1 };
    await this.context.call(
      () => this.collection.insertOne(this.toDoc(stored, createdMs)),
      (error) => duplicateFor(this.spec.what, this.spec.uniques, record, error),
    );
    return stored;
  }

  async get(id: string): Promise<T> {
    const record = await this.find(id);
    if (!record) throw new NotFoundError(this.spec.what, id);
    return record;
  }

  async find(id: string): Promise<T | null> {
    return fromDoc<T>(await this.context.call(() => this.collection.findOne({ _id: id })));
  }

  /**
   * Reads the stored document (for createdAt, which never moves), then replaces it only if it still
   * has the expected revision: `findOneAndReplace({ _id, revision })`, the atomic check.
   */
  async update(record: T): Promise<T> {
    const current = await this.context.call(() => this.collection.findOne({ _id: record.id }));
    if (!current) throw new NotFoundError(this.spec.what, record.id);
    if (current.revision !== record.revision)
      throw new StaleRevisionError(this.spec.what, record.id, record.revision);
    const next = {
      ...record,
      revision: record.revision + 1,
      createdAt: current.createdAt as string,
    };
    const replaced = await this.context.call(
      () =>
        this.collection.findOneAndReplace(
          { _id: record.id, revision: record.revision },
          this.toDoc(next, current._createdMs as number),
          { returnDocument: 'after' },
        ),
      (error) => duplicateFor(this.spec.what, this.spec.uniques, record, error),
    );
    if (!replaced) throw new StaleRevisionError(this.spec.what, record.id, record.revision);
    return fromDoc<T>(replaced) as T;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.context.call(() => this.collection.deleteOne({ _id: id }));
    return result.deletedCount > 0;
  }

  async list(filter: F = {} as F, page: PageRequest = {}): Promise<Page<T>> {
    const clauses = this.spec.where(filter);
    const limit = pageLimit(page);
    if (page.cursor) {
      const [createdMs, id = ''] = decodeCursor(page.cursor);
      clauses.push({
        $or: [{ _createdMs: { $gt: createdMs } }, { _createdMs: createdMs, _id: { $gt: id } }],
      });
    }
    const docs = await this.context.call(() =>
      this.collection
        .find(allOf(clauses))
        .sort({ _createdMs: 1, _id: 1 })
        .limit(limit + 1)
        .toArray(),
    );
    const kept = docs.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      items: kept.map((doc) => fromDoc<T>(doc) as T),
      nextCursor:
        docs.length > limit && last ? encodeCursor([last._createdMs as number, last._id]) : null,
    };
  }

  /** The first record matching `filter` in list order, or null. */
  protected async findWhere(filter: Filter<MongoDoc>): Promise<T | null> {
    const doc = await this.context.call(() =>
      this.collection.find(filter).sort({ _createdMs: 1, _id: 1 }).limit(1).next(),
    );
    return fromDoc<T>(doc);
  }

  /** Every record matching `filter`, in list order, at most one page (500). */
  protected async listWhere(filter: Filter<MongoDoc>): Promise<T[]> {
    const docs = await this.context.call(() =>
      this.collection.find(filter).sort({ _createdMs: 1, _id: 1 }).limit(500).toArray(),
    );
    return docs.map((doc) => fromDoc<T>(doc) as T);
  }

  protected count(filter: Filter<MongoDoc>): Promise<number> {
    return this.context.call(() => this.collection.countDocuments(filter));
  }
}
