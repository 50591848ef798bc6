import type { Filter, IndexDescription } from 'mongodb';
import { ConflictError, NotFoundError } from '../../base/errors';
import { AUDIT_GENESIS_HASH, type AuditEvent } from '../../domain';
import type { AuditEventRepository } from '../index';
import {
  decodeCursor,
  encodeCursor,
  pageLimit,
  toEpochMs,
  type Page,
  type PageRequest,
} from '../paging';
import type { AuditFilter } from '../records';
import { duplicateIndex, fromDoc, type MongoContext, type MongoDoc } from './mongo-context';
import { allOf } from './mongo-repository';

const BATCH = 500;

/**
 * `seq` orders the chain. Unique `seq` and unique `prevHash` keep it linear with several engines
 * appending: of two events built on the same last event, the second insert fails on both keys.
 */
export const AUDIT_INDEXES: IndexDescription[] = [
  { key: { seq: 1 }, name: 'seq', unique: true },
  { key: { prevHash: 1 }, name: 'prev_hash', unique: true },
  { key: { hash: 1 }, name: 'hash', unique: true },
  { key: { actor: 1, seq: -1 }, name: 'actor_seq' },
  { key: { action: 1, seq: -1 }, name: 'action_seq' },
  { key: { _timeMs: 1 }, name: 'time' },
];

/** The audit log in MongoDB; append-only (no update or delete is offered). */
export class MongoAuditEventRepository implements AuditEventRepository {
  constructor(private readonly context: MongoContext) {}

  private get collection() {
    return this.context.collection('auditEvents');
  }

  async append(event: AuditEvent): Promise<AuditEvent> {
    const timeMs = toEpochMs(event.time, 'time');
    const last = await this.lastDoc();
    if (event.prevHash !== ((last?.hash as string | undefined) ?? AUDIT_GENESIS_HASH))
      throw chainMoved();
    const stored = { ...event };
    await this.context.call(
      () =>
        this.collection.insertOne({
          ...stored,
          _id: event.id,
          seq: ((last?.seq as number | undefined) ?? 0) + 1,
          _timeMs: timeMs,
        }),
      (error) => {
        const { keys, index } = duplicateIndex(error);
        return keys.includes('seq') ||
          keys.includes('prevHash') ||
          index === 'seq' ||
          index === 'prev_hash'
          ? chainMoved()
          : new ConflictError('an audit event with this id or hash already exists', error);
      },
    );
    return stored;
  }

  async last(): Promise<AuditEvent | null> {
    return fromDoc<AuditEvent>(await this.lastDoc());
  }

  async get(id: string): Promise<AuditEvent> {
    const event = fromDoc<AuditEvent>(
      await this.context.call(() => this.collection.findOne({ _id: id })),
    );
    if (!event) throw new NotFoundError('audit event', id);
    return event;
  }

  async list(filter: AuditFilter = {}, page: PageRequest = {}): Promise<Page<AuditEvent>> {
    const clauses: Filter<MongoDoc>[] = [];
    if (filter.actor !== undefined) clauses.push({ actor: filter.actor });
    if (filter.action !== undefined) clauses.push({ action: filter.action });
    if (filter.from !== undefined)
      clauses.push({ _timeMs: { $gte: toEpochMs(filter.from, 'from') } });
    if (filter.to !== undefined) clauses.push({ _timeMs: { $lte: toEpochMs(filter.to, 'to') } });
    if (page.cursor) clauses.push({ seq: { $lt: decodeCursor(page.cursor)[0] } });
    const limit = pageLimit(page);
    const docs = await this.context.call(() =>
      this.collection
        .find(allOf(clauses))
        .sort({ seq: -1 })
        .limit(limit + 1)
        .toArray(),
    );
    const kept = docs.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      items: kept.map((doc) => fromDoc<AuditEvent>(doc) as AuditEvent),
      nextCursor: docs.length > limit && last ? encodeCursor([last.seq as number]) : null,
    };
  }

  async *listAll(): AsyncIterable<AuditEvent> {
    let after = 0;
    for (;;) {
      const docs = await this.context.call(() =>
        this.collection
          .find({ seq: { $gt: after } })
          .sort({ seq: 1 })
          .limit(BATCH)
          .toArray(),
      );
      for (const doc of docs) yield fromDoc<AuditEvent>(doc) as AuditEvent;
      const last = docs[docs.length - 1];
      if (!last || docs.length < BATCH) return;
      after = last.seq as number;
    }
  }

  private lastDoc(): Promise<MongoDoc | null> {
    return this.context.call(() => this.collection.find({}).sort({ seq: -1 }).limit(1).next());
  }
}

function chainMoved(): ConflictError {
  return new ConflictError(
    'the audit chain has moved on: prevHash is not the hash of the last event; re-read and retry',
  );
}
