import type { Statement } from 'better-sqlite3';
import { ConflictError, NotFoundError, ValidationError } from '../../base/errors';
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
import { run, type SqliteScope } from './sqlite-context';

const BATCH = 500;

/**
 * The audit log in SQLite. `seq` is the chain order; `prev_hash` is unique, so even two processes
 * sharing the file cannot fork the chain. There is deliberately no UPDATE or DELETE statement here.
 */
export class SqliteAuditEventRepository implements AuditEventRepository {
  constructor(private readonly scope: SqliteScope) {}

  async append(event: AuditEvent): Promise<AuditEvent> {
    const timeMs = toEpochMs(event.time, 'time');
    if (!event.id || !event.hash) {
      throw new ValidationError('an audit event needs an id and a hash', [
        { path: 'hash', rule: 'required', message: 'id and hash are required' },
      ]);
    }
    const stored = { ...event };
    return run(
      this.scope,
      () => {
        const last = this.statement(
          'SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1',
        ).get() as { hash: string } | undefined;
        if (event.prevHash !== (last?.hash ?? AUDIT_GENESIS_HASH)) throw chainMoved();
        this.statement(
          `INSERT INTO audit_events (id, time_ms, actor, action, prev_hash, hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          event.id,
          timeMs,
          event.actor,
          event.action,
          event.prevHash,
          event.hash,
          JSON.stringify(stored),
        );
        return stored;
      },
      (error) =>
        /prev_hash/.test(error.message)
          ? chainMoved()
          : new ConflictError('an audit event with this id or hash already exists', error),
    );
  }

  async last(): Promise<AuditEvent | null> {
    return run(this.scope, () =>
      parse(this.statement('SELECT doc FROM audit_events ORDER BY seq DESC LIMIT 1').get()),
    );
  }

  async get(id: string): Promise<AuditEvent> {
    const event = await run(this.scope, () =>
      parse(this.statement('SELECT doc FROM audit_events WHERE id = ?').get(id)),
    );
    if (!event) throw new NotFoundError('audit event', id);
    return event;
  }

  async list(filter: AuditFilter = {}, page: PageRequest = {}): Promise<Page<AuditEvent>> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.actor !== undefined) {
      clauses.push('actor = ?');
      params.push(filter.actor);
    }
    if (filter.action !== undefined) {
      clauses.push('action = ?');
      params.push(filter.action);
    }
    if (filter.from !== undefined) {
      clauses.push('time_ms >= ?');
      params.push(toEpochMs(filter.from, 'from'));
    }
    if (filter.to !== undefined) {
      clauses.push('time_ms <= ?');
      params.push(toEpochMs(filter.to, 'to'));
    }
    if (page.cursor) {
      clauses.push('seq < ?');
      params.push(decodeCursor(page.cursor)[0]);
    }
    const limit = pageLimit(page);
    return run(this.scope, () => {
      const rows = this.statement(
        `SELECT seq, doc FROM audit_events ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
         ORDER BY seq DESC LIMIT ?`,
      ).all(...params, limit + 1) as Array<{ seq: number; doc: string }>;
      const kept = rows.slice(0, limit);
      const last = kept[kept.length - 1];
      return {
        items: kept.map((row) => JSON.parse(row.doc) as AuditEvent),
        nextCursor: rows.length > limit && last ? encodeCursor([last.seq]) : null,
      };
    });
  }

  async *listAll(): AsyncIterable<AuditEvent> {
    let after = 0;
    for (;;) {
      const rows = await run(
        this.scope,
        () =>
          this.statement(
            'SELECT seq, doc FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
          ).all(after, BATCH) as Array<{
            seq: number;
            doc: string;
          }>,
      );
      for (const row of rows) yield JSON.parse(row.doc) as AuditEvent;
      const last = rows[rows.length - 1];
      if (!last || rows.length < BATCH) return;
      after = last.seq;
    }
  }

  private statement(sql: string): Statement {
    return this.scope.context.statement(sql);
  }
}

function parse(row: unknown): AuditEvent | null {
  return row ? (JSON.parse((row as { doc: string }).doc) as AuditEvent) : null;
}

function chainMoved(): ConflictError {
  return new ConflictError(
    'the audit chain has moved on: prevHash is not the hash of the last event; re-read and retry',
  );
}
