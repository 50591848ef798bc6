import { ConflictError } from '../../base/errors';
import { StaleRevisionError } from '../errors';
import type { MetaRepository, MetricSampleRepository, RefreshTokenRepository } from '../index';
import { toEpochMs } from '../paging';
import type { MetaEntry, MetricSample, RefreshToken } from '../records';
import { run, type SqliteScope } from './sqlite-context';

/** Refresh tokens: explicit columns, since `revoke` must be one atomic conditional UPDATE. */
export class SqliteRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly scope: SqliteScope) {}

  async create(token: RefreshToken): Promise<RefreshToken> {
    const expiresMs = toEpochMs(token.expiresAt, 'expiresAt');
    const stored = { ...token };
    return run(
      this.scope,
      () => {
        this.scope.context
          .statement(
            'INSERT INTO refresh_tokens (id, user_id, token_hash, expires_ms, revoked_at, doc) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            token.id,
            token.userId,
            token.tokenHash,
            expiresMs,
            token.revokedAt,
            JSON.stringify(stored),
          );
        return stored;
      },
      (error) => new ConflictError('a refresh token with this id or hash already exists', error),
    );
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | null> {
    return run(this.scope, () => {
      const row = this.scope.context
        .statement('SELECT doc FROM refresh_tokens WHERE token_hash = ?')
        .get(tokenHash) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as RefreshToken) : null;
    });
  }

  async revoke(
    id: string,
    revokedAt: string,
    replacedBy: string | null = null,
    rotatedBy: string | null = null,
  ): Promise<boolean> {
    return run(
      this.scope,
      () =>
        this.scope.context
          .statement(
            `UPDATE refresh_tokens
               SET revoked_at = ?, doc = json_set(doc, '$.revokedAt', ?, '$.replacedBy', ?, '$.rotatedBy', ?)
             WHERE id = ? AND revoked_at IS NULL`,
          )
          .run(revokedAt, revokedAt, replacedBy, rotatedBy, id).changes > 0,
    );
  }

  async revokeAllForUser(userId: string, revokedAt: string): Promise<number> {
    return run(
      this.scope,
      () =>
        this.scope.context
          .statement(
            `UPDATE refresh_tokens SET revoked_at = ?, doc = json_set(doc, '$.revokedAt', ?)
             WHERE user_id = ? AND revoked_at IS NULL`,
          )
          .run(revokedAt, revokedAt, userId).changes,
    );
  }

  async pruneExpired(now: string): Promise<number> {
    const nowMs = toEpochMs(now, 'now');
    return run(
      this.scope,
      () =>
        this.scope.context.statement('DELETE FROM refresh_tokens WHERE expires_ms < ?').run(nowMs)
          .changes,
    );
  }
}

/** Metric samples: plain rows, pruned by age. */
export class SqliteMetricSampleRepository implements MetricSampleRepository {
  constructor(private readonly scope: SqliteScope) {}

  async append(samples: readonly MetricSample[]): Promise<void> {
    const { db } = this.scope.context;
    await run(this.scope, () => {
      const insert = this.scope.context.statement(
        'INSERT INTO metric_samples (database_id, t, name, value) VALUES (?, ?, ?, ?)',
      );
      // One transaction for the batch (a savepoint inside a store transaction): one fsync, not one per row.
      db.transaction(() => {
        for (const sample of samples)
          insert.run(sample.databaseId, sample.t, sample.name, sample.value);
      })();
    });
  }

  async query(
    databaseId: string,
    range: { from: number; to: number; names?: readonly string[] },
  ): Promise<MetricSample[]> {
    const names = range.names ?? [];
    const nameClause = names.length > 0 ? `AND name IN (${names.map(() => '?').join(', ')})` : '';
    return run(this.scope, () =>
      (
        this.scope.context
          .statement(
            `SELECT database_id, t, name, value FROM metric_samples
             WHERE database_id = ? AND t >= ? AND t <= ? ${nameClause} ORDER BY t, name`,
          )
          .all(databaseId, range.from, range.to, ...names) as Array<{
          database_id: string;
          t: number;
          name: string;
          value: number;
        }>
      ).map((row) => ({ databaseId: row.database_id, t: row.t, name: row.name, value: row.value })),
    );
  }

  async prune(before: number): Promise<number> {
    return run(
      this.scope,
      () =>
        this.scope.context.statement('DELETE FROM metric_samples WHERE t < ?').run(before).changes,
    );
  }
}

/** The key/value map with compare-and-set. */
export class SqliteMetaRepository implements MetaRepository {
  constructor(private readonly scope: SqliteScope) {}

  async get(key: string): Promise<MetaEntry | null> {
    return run(this.scope, () => {
      const row = this.scope.context
        .statement('SELECT key, revision, value FROM meta WHERE key = ?')
        .get(key) as { key: string; revision: number; value: string } | undefined;
      return row
        ? { key: row.key, revision: row.revision, value: JSON.parse(row.value) as unknown }
        : null;
    });
  }

  async put(key: string, value: unknown, expectedRevision?: number | null): Promise<MetaEntry> {
    const json = JSON.stringify(value ?? null);
    return run(
      this.scope,
      () => {
        const statement =
          expectedRevision === undefined
            ? `INSERT INTO meta (key, revision, value) VALUES (?, 1, ?)
               ON CONFLICT (key) DO UPDATE SET revision = revision + 1, value = excluded.value RETURNING revision`
            : expectedRevision === null
              ? 'INSERT INTO meta (key, revision, value) VALUES (?, 1, ?) RETURNING revision'
              : 'UPDATE meta SET revision = revision + 1, value = ? WHERE key = ? AND revision = ? RETURNING revision';
        const params =
          typeof expectedRevision === 'number' ? [json, key, expectedRevision] : [key, json];
        const row = this.scope.context.statement(statement).get(...params) as
          { revision: number } | undefined;
        if (!row) throw new StaleRevisionError('meta entry', key, expectedRevision ?? 0);
        return { key, value: JSON.parse(json) as unknown, revision: row.revision };
      },
      (error) => new ConflictError(`meta entry ${key} already exists`, error),
    );
  }

  async delete(key: string): Promise<boolean> {
    return run(
      this.scope,
      () => this.scope.context.statement('DELETE FROM meta WHERE key = ?').run(key).changes > 0,
    );
  }
}
