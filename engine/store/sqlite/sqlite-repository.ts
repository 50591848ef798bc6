import type { Statement } from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../../base/errors';
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
import { duplicateFor, run, type SqliteScope, type UniqueKey } from './sqlite-context';

/** A WHERE clause in parts: conditions joined by AND, and their parameters in order. */
export interface Where {
  clauses: string[];
  params: unknown[];
}

/** How one table maps to a repository: its name, unique keys and filter translation. */
export interface SqliteTable<T, F> {
  table: string;
  /** The entity in messages: `database`, `provider`. */
  what: string;
  uniques: readonly UniqueKey<T>[];
  where(filter: F): Where;
}

/** `column = ?` or `column IN (?, ...)` for one value or several. */
export function equalsAny(
  where: Where,
  column: string,
  value: string | readonly string[] | undefined,
): void {
  if (value === undefined) return;
  const values = typeof value === 'string' ? [value] : [...value];
  if (values.length === 0) {
    where.clauses.push('0');
    return;
  }
  where.clauses.push(
    values.length === 1 ? `${column} = ?` : `${column} IN (${values.map(() => '?').join(', ')})`,
  );
  where.params.push(...values);
}

/** Checks the fields the store itself relies on, so a malformed record fails as input, not as a crash. */
export function assertStorable(record: StoredRecord): number {
  if (typeof record?.id !== 'string' || record.id.length === 0) {
    throw new ValidationError('a stored record needs an id', [
      { path: 'id', rule: 'required', message: 'id is required' },
    ]);
  }
  return toEpochMs(record.createdAt, 'createdAt');
}

/**
 * The generic SQLite repository: the record is one JSON column; generated columns (see
 * migrations.ts) index the fields filters and unique keys use.
 */
export class SqliteRepository<T extends StoredRecord, F> implements Repository<T, F> {
  constructor(
    protected readonly scope: SqliteScope,
    protected readonly spec: SqliteTable<T, F>,
  ) {}

  async create(record: T): Promise<T> {
    const createdMs = assertStorable(record);
    const stored = { ...record, revision: 1 };
    return run(
      this.scope,
      () => {
        this.statement(
          `INSERT INTO ${this.spec.table} (id, created_ms, revision, doc) VALUES (?, ?, 1, ?)`,
        ).run(record.id, createdMs, JSON.stringify(stored));
        return stored;
      },
      (error) => duplicateFor(this.spec.what, this.spec.uniques, record, error),
    );
  }

  async get(id: string): Promise<T> {
    const record = await this.find(id);
    if (!record) throw new NotFoundError(this.spec.what, id);
    return record;
  }

  async find(id: string): Promise<T | null> {
    return run(this.scope, () => {
      const row = this.statement(`SELECT doc FROM ${this.spec.table} WHERE id = ?`).get(id) as
        { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as T) : null;
    });
  }

  async update(record: T): Promise<T> {
    assertStorable(record);
    const next = { ...record, revision: record.revision + 1 };
    return run(
      this.scope,
      () => {
        // createdAt is kept from the stored record: it orders lists and must never move.
        const row = this.statement(
          `UPDATE ${this.spec.table}
             SET doc = json_set(?, '$.createdAt', json_extract(doc, '$.createdAt')), revision = ?
           WHERE id = ? AND revision = ?
           RETURNING doc`,
        ).get(JSON.stringify(next), next.revision, record.id, record.revision) as
          { doc: string } | undefined;
        if (row) return JSON.parse(row.doc) as T;
        const exists = this.statement(`SELECT 1 FROM ${this.spec.table} WHERE id = ?`).get(
          record.id,
        );
        if (!exists) throw new NotFoundError(this.spec.what, record.id);
        throw new StaleRevisionError(this.spec.what, record.id, record.revision);
      },
      (error) => duplicateFor(this.spec.what, this.spec.uniques, record, error),
    );
  }

  async delete(id: string): Promise<boolean> {
    return run(
      this.scope,
      () => this.statement(`DELETE FROM ${this.spec.table} WHERE id = ?`).run(id).changes > 0,
    );
  }

  async list(filter: F = {} as F, page: PageRequest = {}): Promise<Page<T>> {
    const where = this.spec.where(filter);
    const limit = pageLimit(page);
    if (page.cursor) {
      const [createdMs, id = ''] = decodeCursor(page.cursor);
      where.clauses.push('(created_ms > ? OR (created_ms = ? AND id > ?))');
      where.params.push(createdMs, createdMs, id);
    }
    return run(this.scope, () => {
      const rows = this.statement(
        `SELECT doc, created_ms, id FROM ${this.spec.table}
         ${where.clauses.length > 0 ? `WHERE ${where.clauses.join(' AND ')}` : ''}
         ORDER BY created_ms, id LIMIT ?`,
      ).all(...where.params, limit + 1) as Array<{ doc: string; created_ms: number; id: string }>;
      const more = rows.length > limit;
      const kept = more ? rows.slice(0, limit) : rows;
      const last = kept[kept.length - 1];
      return {
        items: kept.map((row) => JSON.parse(row.doc) as T),
        nextCursor: more && last ? encodeCursor([last.created_ms, last.id]) : null,
      };
    });
  }

  /** The first record matching `sql` (a WHERE clause), or null. */
  protected async findWhere(sql: string, ...params: unknown[]): Promise<T | null> {
    return run(this.scope, () => {
      const row = this.statement(
        `SELECT doc FROM ${this.spec.table} WHERE ${sql} ORDER BY created_ms, id LIMIT 1`,
      ).get(...params) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as T) : null;
    });
  }

  /** Every record matching `sql`, in list order, at most one page (500). */
  protected async listWhere(sql: string, ...params: unknown[]): Promise<T[]> {
    return run(this.scope, () =>
      (
        this.statement(
          `SELECT doc FROM ${this.spec.table} WHERE ${sql} ORDER BY created_ms, id LIMIT 500`,
        ).all(...params) as Array<{ doc: string }>
      ).map((row) => JSON.parse(row.doc) as T),
    );
  }

  protected async count(sql: string, ...params: unknown[]): Promise<number> {
    return run(this.scope, () => {
      const row = this.statement(`SELECT COUNT(*) AS n FROM ${this.spec.table} WHERE ${sql}`).get(
        ...params,
      ) as { n: number };
      return row.n;
    });
  }

  protected statement(sql: string): Statement {
    return this.scope.context.statement(sql);
  }
}
