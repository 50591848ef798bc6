import { randomUUID } from 'node:crypto';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { interruptedReason } from '../job-policy';

/** A job this instance now holds a lease on. */
export interface ClaimedJob {
  operationId: string;
  key: string;
  attempt: number;
  enqueuedAt: number;
  leaseToken: string;
}

/** A job the claim found on its last attempt already, abandoned by a dead worker: it settled `failed`. */
export interface ExhaustedJob {
  operationId: string;
  attempts: number;
  reason: string;
}

interface CandidateRow {
  operation_id: string;
  job_key: string;
  attempts: number;
  enqueued_at: number;
}

/**
 * Every statement the SQLite queue runs. Writes that belong to a delivery are fenced by the lease
 * token: a worker whose lease was reclaimed changes nothing, even if it wakes up late.
 */
export class SqliteJobTable {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  /** Inserts a queued job; false when the operation id is already known (in any state). */
  insert(operationId: string, key: string, now: number): boolean {
    return this.run(
      `INSERT INTO operation_queue_jobs (operation_id, job_key, state, enqueued_at, available_at)
       VALUES (?, ?, 'queued', ?, ?) ON CONFLICT (operation_id) DO NOTHING`,
      operationId,
      key,
      now,
      now,
    );
  }

  /** Cancels a job that never started; false otherwise. One statement, so it cannot race a claim. */
  cancel(operationId: string, now: number): boolean {
    return this.run(
      `UPDATE operation_queue_jobs SET state = 'cancelled', finished_at = ?
       WHERE operation_id = ? AND state = 'queued' AND attempts = 0`,
      now,
      operationId,
    );
  }

  /**
   * In one IMMEDIATE transaction: reclaims expired leases (their attempt stays counted), then
   * leases up to `slots` jobs, each the earliest queued job of a key that has no running job and
   * whose retry delay is over. A reclaimed job with no attempts left settles `failed` instead.
   */
  claim(
    slots: number,
    now: number,
    leaseMs: number,
    maxAttempts: number,
  ): { claimed: ClaimedJob[]; exhausted: ExhaustedJob[] } {
    const claimed: ClaimedJob[] = [];
    const exhausted: ExhaustedJob[] = [];
    const transaction = this.db.transaction(() => {
      this.statement(
        `UPDATE operation_queue_jobs SET state = 'queued', lease_token = NULL, lease_expires_at = NULL
         WHERE state = 'running' AND lease_expires_at <= ?`,
      ).run(now);
      const candidates = this.statement(
        `SELECT j.operation_id, j.job_key, j.attempts, j.enqueued_at FROM operation_queue_jobs j
         WHERE j.state = 'queued' AND j.available_at <= ?
           AND j.seq = (SELECT MIN(h.seq) FROM operation_queue_jobs h WHERE h.job_key = j.job_key AND h.state = 'queued')
           AND NOT EXISTS (SELECT 1 FROM operation_queue_jobs r WHERE r.job_key = j.job_key AND r.state = 'running')
         ORDER BY j.seq LIMIT ?`,
      ).all(now, slots) as CandidateRow[];
      for (const row of candidates) {
        if (row.attempts >= maxAttempts) {
          const reason = interruptedReason(row.attempts);
          this.statement(
            `UPDATE operation_queue_jobs SET state = 'failed', finished_at = ?, reason = ? WHERE operation_id = ?`,
          ).run(now, reason, row.operation_id);
          exhausted.push({ operationId: row.operation_id, attempts: row.attempts, reason });
          continue;
        }
        const leaseToken = randomUUID();
        this.statement(
          `UPDATE operation_queue_jobs SET state = 'running', attempts = attempts + 1,
             lease_token = ?, lease_expires_at = ? WHERE operation_id = ?`,
        ).run(leaseToken, now + leaseMs, row.operation_id);
        claimed.push({
          operationId: row.operation_id,
          key: row.job_key,
          attempt: row.attempts + 1,
          enqueuedAt: row.enqueued_at,
          leaseToken,
        });
      }
    });
    transaction.immediate();
    return { claimed, exhausted };
  }

  /** Extends a lease; false when it is no longer ours (expired and reclaimed). */
  renew(job: ClaimedJob, now: number, leaseMs: number): boolean {
    return this.run(
      `UPDATE operation_queue_jobs SET lease_expires_at = ?
       WHERE operation_id = ? AND lease_token = ? AND state = 'running'`,
      now + leaseMs,
      job.operationId,
      job.leaseToken,
    );
  }

  /** Settles a leased job `done` or `failed`. */
  finish(job: ClaimedJob, state: 'done' | 'failed', now: number, reason: string | null): boolean {
    return this.run(
      `UPDATE operation_queue_jobs SET state = ?, finished_at = ?, reason = ?, lease_token = NULL, lease_expires_at = NULL
       WHERE operation_id = ? AND lease_token = ? AND state = 'running'`,
      state,
      now,
      reason,
      job.operationId,
      job.leaseToken,
    );
  }

  /** Puts a leased job back in its key's line. `uncount` gives back the attempt (interrupted by stop). */
  requeue(job: ClaimedJob, availableAt: number, uncount: boolean): boolean {
    return this.run(
      `UPDATE operation_queue_jobs SET state = 'queued', available_at = ?, attempts = attempts - ?,
         lease_token = NULL, lease_expires_at = NULL
       WHERE operation_id = ? AND lease_token = ? AND state = 'running'`,
      availableAt,
      uncount ? 1 : 0,
      job.operationId,
      job.leaseToken,
    );
  }

  counts(now: number): { queued: number; running: number; delayed: number } {
    const row = this.statement(
      `SELECT COALESCE(SUM(state = 'queued' AND available_at <= ?), 0) AS queued,
              COALESCE(SUM(state = 'running'), 0) AS running,
              COALESCE(SUM(state = 'queued' AND available_at > ?), 0) AS delayed
       FROM operation_queue_jobs WHERE state IN ('queued', 'running')`,
    ).get(now, now) as { queued: number; running: number; delayed: number };
    return { queued: row.queued, running: row.running, delayed: row.delayed };
  }

  /** Forgets finished jobs older than `before`: their ids are no longer recognised by enqueue. */
  purge(before: number): number {
    return this.statement(
      'DELETE FROM operation_queue_jobs WHERE finished_at IS NOT NULL AND finished_at < ?',
    ).run(before).changes;
  }

  private run(sql: string, ...params: unknown[]): boolean {
    return this.statement(sql).run(...params).changes > 0;
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
