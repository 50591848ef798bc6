import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
} from 'mongodb';
import { ConflictError, EngineError, UnavailableError } from '../../base/errors';
import { DuplicateError } from '../errors';

/** A stored document: the record's own fields plus `_id` and the store's underscore fields. */
export type MongoDoc = Document & { _id: string };

/** A unique index: its key fields (also the record fields it holds) and how to name a clash. */
export interface MongoUniqueKey<T> {
  fields: readonly string[];
  /** The index's name, for servers whose duplicate-key errors carry no `keyPattern`. */
  index: string;
  describe(record: T): string;
}

/**
 * What the repositories of one MongoDB store share. `closed` is checked before every call because
 * the driver would otherwise reconnect on use after `close()`.
 */
export class MongoContext {
  closed = false;

  constructor(readonly db: Db) {}

  collection(name: string): Collection<MongoDoc> {
    return this.db.collection<MongoDoc>(name);
  }

  /** Runs a driver call, mapping its errors; `onDuplicate` handles E11000 (duplicate key). */
  async call<R>(
    task: () => Promise<R>,
    onDuplicate?: (error: MongoServerError) => EngineError,
  ): Promise<R> {
    if (this.closed) throw new UnavailableError('the MongoDB store is closed');
    try {
      return await task();
    } catch (error) {
      throw toEngineError(error, onDuplicate);
    }
  }
}

/** True for a duplicate-key error (E11000). */
export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * Maps driver errors. Messages are our own: driver messages can name hosts and, for a bad URI,
 * quote the connection string; they stay in `cause`, which only the redacted log sees.
 */
export function toEngineError(
  error: unknown,
  onDuplicate?: (error: MongoServerError) => EngineError,
): EngineError {
  if (error instanceof EngineError) return error;
  if (isDuplicateKey(error))
    return onDuplicate
      ? onDuplicate(error)
      : new ConflictError('a unique key is already taken', error);
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  ) {
    return new UnavailableError('the MongoDB store is unreachable', error);
  }
  return new EngineError('INTERNAL', 'the MongoDB store failed', { cause: error });
}

/**
 * The key fields and the index name a duplicate-key error names. Modern servers send `keyPattern`;
 * every server's message says `index: <name>`.
 */
export function duplicateIndex(error: MongoServerError): { keys: string[]; index: string } {
  const keys = Object.keys((error as { keyPattern?: Record<string, unknown> }).keyPattern ?? {});
  const index = /index: (\S+)/.exec(error.message)?.[1] ?? '';
  return { keys, index };
}

/** The unique key a duplicate-key error is about, by the index's key pattern or name. */
export function duplicateFor<T>(
  what: string,
  keys: readonly MongoUniqueKey<T>[],
  record: T & { id: string },
  error: MongoServerError,
): EngineError {
  const found = duplicateIndex(error);
  const pattern = [...found.keys].sort().join(',');
  if (pattern === '_id' || found.index === '_id_')
    return new DuplicateError(what, ['id'], `with id ${record.id}`, error);
  const key = keys.find(
    (candidate) =>
      [...candidate.fields].sort().join(',') === pattern || candidate.index === found.index,
  );
  if (key) return new DuplicateError(what, key.fields, key.describe(record), error);
  return new ConflictError(`${what} clashes with an existing one`, error);
}

/** The store's own fields, removed before a record leaves the adapter. */
const INTERNAL_FIELDS = [
  '_id',
  '_createdMs',
  '_live',
  '_timeMs',
  '_expiresAt',
  '_at',
  'seq',
] as const;

/** A record from its document. */
export function fromDoc<T>(doc: MongoDoc | null): T | null {
  if (!doc) return null;
  const record: Document = { ...doc };
  for (const field of INTERNAL_FIELDS) delete record[field];
  return record as T;
}

/** Escapes a user's text for a `$regex` that matches it literally. */
export function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
