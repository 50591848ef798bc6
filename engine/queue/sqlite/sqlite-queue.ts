import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  backoffDelay,
  ConflictError,
  Emitter,
  EngineError,
  systemClock,
  UnavailableError,
  type Clock,
  type Disposable,
} from '../../base';
import { ConsumerSession, DEFAULT_STOP_TIMEOUT_MS, type DeliveryDecision } from '../consumer';
import type { JobHandler, OperationQueue, QueueSettledEvent, QueueStartOptions } from '../index';
import { resolveStartOptions, validateJob } from '../job-policy';
import { applyQueueMigrations } from './migrations';
import { SqliteJobTable, type ClaimedJob } from './sqlite-job-table';

/** A database file (created with its folder when absent; may be the engine's store file), or memory. */
export type SqliteQueueLocation = { file: string } | { memory: true };

/** Tuning of the SQLite queue; the defaults suit production, tests shorten the times. */
export interface SqliteQueueOptions {
  /** How long a claimed job stays leased without renewal; renewed every third of it. Default 30 s. */
  leaseMs?: number;
  /** How often other processes' enqueues and expired leases are looked for. Default 500 ms. */
  pollMs?: number;
  /** Bound of `stop()`. Default 10 s. */
  stopTimeoutMs?: number;
  /** How long a call waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Finished jobs are forgotten after this long. Default 7 days. */
  retainFinishedMs?: number;
  clock?: Clock;
}

const PURGE_EVERY_MS = 60_000;
const MAX_POLL_BACKOFF_MS = 10_000;

/**
 * Opens the embedded, durable operation queue on its own connection: WAL journal, a busy timeout,
 * and the queue's tables brought up to date.
 */
export async function openSqliteOperationQueue(
  location: SqliteQueueLocation,
  options: SqliteQueueOptions = {},
): Promise<SqliteOperationQueue> {
  let db: BetterSqlite3.Database;
  try {
    if ('file' in location) mkdirSync(dirname(location.file), { recursive: true });
    db = new BetterSqlite3('file' in location ? location.file : ':memory:');
  } catch (error) {
    // The path may name a home folder: it stays in the cause, which only logs see.
    throw new UnavailableError('the SQLite queue file could not be opened', error);
  }
  try {
    if ('file' in location) db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('synchronous = NORMAL');
    applyQueueMigrations(db);
  } catch (error) {
    db.close();
    throw toQueueError(error);
  }
  return new SqliteOperationQueue(db, options);
}

/**
 * The SQLite OperationQueue. Consumption polls every `pollMs` and wakes at once on a local enqueue
 * or when a delivery ends; each claim is one IMMEDIATE transaction, so several processes may share
 * the file. better-sqlite3 is synchronous, but every statement is small and indexed.
 */
export class SqliteOperationQueue implements OperationQueue {
  private readonly table: SqliteJobTable;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly stopTimeoutMs: number;
  private readonly retainFinishedMs: number;
  private readonly settled = new Emitter<QueueSettledEvent>();
  /** Lease renewals of running deliveries, with the session that owns each. */
  private readonly renewals = new Map<string, { session: ConsumerSession; timer: Disposable }>();
  private session: ConsumerSession | null = null;
  private timer: Disposable | null = null;
  private timerAt = 0;
  private pollFailures = 0;
  private lastPurge = 0;
  private closed = false;

  constructor(
    private readonly db: BetterSqlite3.Database,
    options: SqliteQueueOptions,
  ) {
    this.table = new SqliteJobTable(db);
    this.clock = options.clock ?? systemClock;
    this.leaseMs = Math.max(50, options.leaseMs ?? 30_000);
    this.pollMs = Math.max(5, options.pollMs ?? 500);
    this.stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.retainFinishedMs = Math.max(0, options.retainFinishedMs ?? 7 * 24 * 3600_000);
  }

  async enqueue(job: { operationId: string; key: string }): Promise<void> {
    validateJob(job);
    const inserted = this.guard(() =>
      this.table.insert(job.operationId, job.key, this.clock.now()),
    );
    if (inserted) this.schedule(0);
  }

  async cancel(operationId: string): Promise<boolean> {
    const cancelled = this.guard(() => this.table.cancel(operationId, this.clock.now()));
    if (cancelled) this.emit({ operationId, outcome: 'cancelled', attempts: 0 });
    return cancelled;
  }

  start(handler: JobHandler, options?: QueueStartOptions): void {
    if (this.closed) throw new UnavailableError('the operation queue is closed');
    if (this.session?.accepting) throw new ConflictError('the operation queue is already started');
    this.session = new ConsumerSession(handler, resolveStartOptions(options), this.clock);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.clearTimer();
    await session.stop(this.stopTimeoutMs);
    // Handlers that ignored their signal past the bound lose their lease; their late writes are fenced.
    for (const [operationId, renewal] of this.renewals) {
      if (renewal.session !== session) continue;
      void renewal.timer.dispose();
      this.renewals.delete(operationId);
    }
    if (this.session === session) this.session = null;
  }

  async counts(): Promise<{ queued: number; running: number; delayed: number }> {
    return this.guard(() => this.table.counts(this.clock.now()));
  }

  onSettled(listener: (event: QueueSettledEvent) => void): Disposable {
    return this.settled.on((event) => {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the queue's bookkeeping is already done.
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    this.db.close();
  }

  dispose(): Promise<void> {
    return this.close();
  }

  /**
   * Test support: drops the connection and every timer without touching a job, as a killed
   * process would. Running handlers are left to finish unobserved; their writes go nowhere.
   */
  async simulateCrash(): Promise<void> {
    this.closed = true;
    this.session = null;
    this.clearTimer();
    for (const renewal of this.renewals.values()) void renewal.timer.dispose();
    this.renewals.clear();
    this.db.close();
  }

  private schedule(ms: number): void {
    if (this.closed || !this.session?.accepting) return;
    const at = this.clock.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.poll();
    }, ms);
  }

  private clearTimer(): void {
    void this.timer?.dispose();
    this.timer = null;
  }

  /** One pass: claim what fits in the free slots, start those deliveries, and plan the next pass. */
  private poll(): void {
    const session = this.session;
    if (this.closed || !session?.accepting) return;
    const now = this.clock.now();
    let claim: ReturnType<SqliteJobTable['claim']>;
    try {
      if (now - this.lastPurge >= PURGE_EVERY_MS) {
        this.table.purge(now - this.retainFinishedMs);
        this.lastPurge = now;
      }
      const slots = session.freeSlots;
      claim =
        slots > 0
          ? this.table.claim(slots, now, this.leaseMs, session.options.maxAttempts)
          : { claimed: [], exhausted: [] };
      this.pollFailures = 0;
    } catch {
      // Another process held the write lock past the busy timeout: back off, then try again.
      this.pollFailures += 1;
      this.schedule(
        backoffDelay(this.pollFailures, {
          initialMs: this.pollMs,
          maxMs: MAX_POLL_BACKOFF_MS,
          factor: 2,
          jitter: 0.5,
        }),
      );
      return;
    }
    for (const job of claim.exhausted) {
      this.emit({
        operationId: job.operationId,
        outcome: 'failed',
        attempts: job.attempts,
        reason: job.reason,
      });
    }
    for (const job of claim.claimed) void this.runDelivery(session, job);
    this.schedule(claim.exhausted.length > 0 ? 0 : this.pollMs);
  }

  private async runDelivery(session: ConsumerSession, job: ClaimedJob): Promise<void> {
    const timer = this.clock.setInterval(
      () => this.renew(session, job),
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    const renewal = { session, timer };
    this.renewals.set(job.operationId, renewal);
    let decision: DeliveryDecision;
    try {
      decision = await session.deliver({
        operationId: job.operationId,
        key: job.key,
        attempt: job.attempt,
        enqueuedAt: job.enqueuedAt,
      });
    } finally {
      void timer.dispose();
      if (this.renewals.get(job.operationId) === renewal) this.renewals.delete(job.operationId);
    }
    if (this.db.open) {
      try {
        this.apply(job, decision);
      } catch {
        // The write failed (lock held too long): the lease expires and the job is delivered again.
      }
    }
    this.schedule(0);
  }

  private renew(session: ConsumerSession, job: ClaimedJob): void {
    try {
      if (!this.table.renew(job, this.clock.now(), this.leaseMs))
        session.loseLease(job.operationId);
    } catch {
      // A busy file: the next renewal, a third of a lease later, tries again before the lease ends.
    }
  }

  private apply(job: ClaimedJob, decision: DeliveryDecision): void {
    const now = this.clock.now();
    switch (decision.kind) {
      case 'done':
        if (this.table.finish(job, 'done', now, null)) {
          this.emit({ operationId: job.operationId, outcome: 'done', attempts: job.attempt });
        }
        return;
      case 'failed':
        if (this.table.finish(job, 'failed', now, decision.reason)) {
          this.emit({
            operationId: job.operationId,
            outcome: 'failed',
            attempts: job.attempt,
            reason: decision.reason,
          });
        }
        return;
      case 'retry':
        this.table.requeue(job, now + decision.delayMs, false);
        return;
      case 'release':
        this.table.requeue(job, now, true);
        return;
      case 'lost':
        return;
    }
  }

  private emit(event: QueueSettledEvent): void {
    this.settled.emit(event);
  }

  private guard<T>(task: () => T): T {
    if (this.closed) throw new UnavailableError('the operation queue is closed');
    try {
      return task();
    } catch (error) {
      throw toQueueError(error);
    }
  }
}

/** Maps better-sqlite3 errors; messages never quote SQL values or paths. */
function toQueueError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new UnavailableError('the SQLite queue is busy (another process holds a lock)', error);
  }
  if (error instanceof Error && /schema version/.test(error.message)) {
    return new EngineError('INTERNAL', error.message, { cause: error, terminal: true });
  }
  return new EngineError('INTERNAL', 'the SQLite queue failed', { cause: error });
}
