import { DelayedError, Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ConflictError,
  Emitter,
  EngineError,
  systemClock,
  UnavailableError,
  type Clock,
  type Disposable,
} from '../../base';
import { ConsumerSession, DEFAULT_STOP_TIMEOUT_MS } from '../consumer';
import type { JobHandler, OperationQueue, QueueSettledEvent, QueueStartOptions } from '../index';
import { interruptedReason, resolveStartOptions, validateJob } from '../job-policy';
import { KeyedLines } from './scripts';

/**
 * Opens a Redis client for the queue: one for commands, one more for each worker's blocking reads
 * (`maxRetriesPerRequest: null`, as BullMQ requires). The engine passes `RedisConnections.open`
 * (engine/redis), so that every Redis client has the same bounds and closes with the engine.
 */
export type RedisClientSource = (
  purpose: string,
  options: { maxRetriesPerRequest: number | null; connectTimeoutMs?: number },
) => Redis;

/** Where the queue lives: a Redis server (through its client source), a key prefix, and the queue's name under it. */
export interface BullmqQueueLocation {
  connect: RedisClientSource;
  prefix: string;
  name: string;
}

/** Tuning of the BullMQ queue; the defaults suit production, tests shorten the times. */
export interface BullmqQueueOptions {
  /** BullMQ's lock duration: a job whose worker stops renewing is delivered again after about twice this. Default 30 s. */
  leaseMs?: number;
  /** Bound of `stop()`. Default 10 s. */
  stopTimeoutMs?: number;
  /** Finished jobs are forgotten after this long. Default 7 days. */
  retainFinishedMs?: number;
  /** Receives Redis and BullMQ errors that the queue survives (for the engine's log). */
  onError?: (error: Error) => void;
  clock?: Clock;
}

const JOB_NAME = 'operation';
/** BullMQ runs each promoted job once; retries, delays and attempt limits are ours. */
const JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: true } as const;
/** Stalled jobs go back to wait, never to failed: `begin` counts and limits attempts instead. */
const MAX_STALLED_COUNT = 1_000_000;

/**
 * The BullMQ job id of an operation: the operation id itself, except that BullMQ refuses ids that
 * read as integers; those get a leading `_`, which no entity id starts with, so none can clash.
 */
export function toBullmqJobId(operationId: string): string {
  return `${parseInt(operationId, 10)}` === operationId ? `_${operationId}` : operationId;
}

function toOperationId(jobId: string): string {
  return jobId.startsWith('_') ? jobId.slice(1) : jobId;
}

/** Opens the BullMQ queue and checks that Redis answers. */
export async function openBullmqOperationQueue(
  location: BullmqQueueLocation,
  options: BullmqQueueOptions = {},
): Promise<BullmqOperationQueue> {
  // Bounded: a command fails after two reconnection attempts instead of waiting for Redis forever.
  const redis = location.connect('operation-queue', {
    maxRetriesPerRequest: 2,
    connectTimeoutMs: 10_000,
  });
  redis.on('error', (error: Error) => options.onError?.(error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    // The URL may hold a password: it stays out of the message.
    throw new UnavailableError('the Redis server of the operation queue cannot be reached', error);
  }
  return new BullmqOperationQueue(location, redis, options);
}

/**
 * The OperationQueue on BullMQ. Per-key order is kept by `KeyedLines` (only a key's head is a
 * BullMQ job); BullMQ gives durability, concurrency, locks renewed while a handler runs, and the
 * stalled-job check that hands a dead worker's job to a live one. A repair pass every lease
 * re-adds a key's head whose BullMQ job went missing (a crash between two Redis calls).
 */
export class BullmqOperationQueue implements OperationQueue {
  private readonly bull: Queue;
  private readonly lines: KeyedLines;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly stopTimeoutMs: number;
  private readonly settled = new Emitter<QueueSettledEvent>();
  private session: ConsumerSession | null = null;
  private worker: { worker: Worker; connection: Redis; repair: Disposable } | null = null;
  private closed = false;
  private repairing = false;

  constructor(
    private readonly location: BullmqQueueLocation,
    private readonly redis: Redis,
    private readonly options: BullmqQueueOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.leaseMs = Math.max(200, options.leaseMs ?? 30_000);
    this.stopTimeoutMs = Math.max(0, options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.bull = new Queue(location.name, { connection: redis, prefix: location.prefix });
    this.bull.on('error', (error: Error) => options.onError?.(error));
    const retainMs = Math.max(1, options.retainFinishedMs ?? 7 * 24 * 3600_000);
    this.lines = new KeyedLines(redis, `${location.prefix}:${location.name}:oq`, retainMs);
  }

  async enqueue(job: { operationId: string; key: string }): Promise<void> {
    validateJob(job);
    const placed = await this.call(() =>
      this.lines.enqueue(job.operationId, job.key, this.clock.now()),
    );
    if (placed === 'holder') await this.call(() => this.addToBullmq(job.operationId));
  }

  async cancel(operationId: string): Promise<boolean> {
    const { cancelled, next } = await this.call(() =>
      this.lines.cancel(operationId, this.clock.now()),
    );
    if (!cancelled) return false;
    // Its BullMQ job may be waiting: remove it (a worker that got there first skips it in `begin`).
    await this.call(() => this.bull.remove(toBullmqJobId(operationId)));
    if (next) await this.call(() => this.addToBullmq(next));
    this.settled.emit({ operationId, outcome: 'cancelled', attempts: 0 });
    return true;
  }

  start(handler: JobHandler, options?: QueueStartOptions): void {
    if (this.closed) throw new UnavailableError('the operation queue is closed');
    if (this.session?.accepting) throw new ConflictError('the operation queue is already started');
    const session = new ConsumerSession(handler, resolveStartOptions(options), this.clock);
    this.session = session;
    const connection = this.location.connect('operation-worker', { maxRetriesPerRequest: null });
    connection.on('error', (error: Error) => this.options.onError?.(error));
    const worker = new Worker(
      this.location.name,
      (job: Job, token?: string) => this.process(session, job, token ?? ''),
      {
        connection,
        prefix: this.location.prefix,
        concurrency: session.options.concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: this.leaseMs,
        maxStalledCount: MAX_STALLED_COUNT,
      },
    );
    worker.on('error', (error: Error) => this.options.onError?.(error));
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) session.loseLease(toOperationId(id));
    });
    const repair = this.clock.setInterval(() => void this.repair(), this.leaseMs);
    this.worker = { worker, connection, repair };
    void this.repair();
  }

  async stop(): Promise<void> {
    const session = this.session;
    const consumer = this.worker;
    if (!session || !consumer) return;
    this.worker = null;
    void consumer.repair.dispose();
    // Refuse and abort first (synchronously), then stop fetching; a fetch already in flight is
    // handed back by `process`.
    const handlersDone = session.stop(this.stopTimeoutMs);
    await this.bounded(consumer.worker.pause(true), () => undefined);
    await handlersDone;
    // Handlers past the bound are abandoned: BullMQ stops renewing their locks and a live worker takes them.
    await this.bounded(consumer.worker.close(session.running > 0), () =>
      consumer.connection.disconnect(),
    );
    await this.bounded(
      consumer.connection.quit().then(() => undefined),
      () => consumer.connection.disconnect(),
    );
    if (this.session === session) this.session = null;
  }

  async counts(): Promise<{ queued: number; running: number; delayed: number }> {
    const [inLines, bull] = await this.call(() =>
      Promise.all([
        this.lines.queuedInLines(),
        this.bull.getJobCounts('wait', 'prioritized', 'active', 'delayed'),
      ]),
    );
    return {
      queued: inLines + (bull.wait ?? 0) + (bull.prioritized ?? 0),
      running: bull.active ?? 0,
      delayed: bull.delayed ?? 0,
    };
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
    await this.bounded(this.bull.close(), () => this.redis.disconnect());
    await this.bounded(
      this.redis.quit().then(() => undefined),
      () => this.redis.disconnect(),
    );
  }

  dispose(): Promise<void> {
    return this.close();
  }

  /**
   * Test support: drops every connection and timer without touching a job, as a killed process
   * would. BullMQ locks are no longer renewed, so a live worker takes the running jobs later.
   */
  async simulateCrash(): Promise<void> {
    this.closed = true;
    const consumer = this.worker;
    this.worker = null;
    this.session = null;
    if (consumer) {
      void consumer.repair.dispose();
      await consumer.worker.close(true).catch(() => undefined);
      consumer.connection.disconnect();
    }
    await this.bull.close().catch(() => undefined);
    this.redis.disconnect();
  }

  /** One BullMQ delivery: start it in `KeyedLines`, run the handler, and settle, retry or give it back. */
  private async process(session: ConsumerSession, job: Job, token: string): Promise<void> {
    const operationId = toOperationId(job.id ?? '');
    if (!session.accepting) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const begun = await this.lines.begin(operationId, token, session.options.maxAttempts);
    if (begun.kind === 'skip') return;
    if (begun.kind === 'exhausted') {
      await this.settle(
        operationId,
        token,
        'failed',
        begun.attempts,
        interruptedReason(begun.attempts),
      );
      return;
    }
    const decision = await session.deliver({
      operationId,
      key: begun.key,
      attempt: begun.attempts,
      enqueuedAt: begun.enqueuedAt,
    });
    switch (decision.kind) {
      case 'done':
        await this.settle(operationId, token, 'done', begun.attempts, '');
        return;
      case 'failed':
        await this.settle(operationId, token, 'failed', begun.attempts, decision.reason);
        return;
      case 'retry':
        // The job keeps holding its key while it waits, so later jobs of the key stay behind it.
        // BullMQ schedules by wall time, whatever clock the queue was given.
        await job.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError();
      case 'release':
        if (await this.lines.release(operationId, token)) {
          await job.moveToWait(token);
          throw new WaitingError();
        }
        return;
      case 'lost':
        // Another worker owns the job now; BullMQ refuses this one's completion by its lock token.
        return;
    }
  }

  private async settle(
    operationId: string,
    token: string,
    outcome: 'done' | 'failed',
    attempts: number,
    reason: string,
  ): Promise<void> {
    const { settled, next } = await this.lines.finish(
      operationId,
      token,
      outcome,
      reason,
      this.clock.now(),
    );
    if (next) await this.addToBullmq(next);
    if (!settled) return;
    this.settled.emit(
      outcome === 'done'
        ? { operationId, outcome, attempts }
        : { operationId, outcome, attempts, reason },
    );
  }

  private async addToBullmq(operationId: string): Promise<void> {
    // The job id is the operation id: adding a job BullMQ still holds does nothing.
    await this.bull.add(JOB_NAME, {}, { ...JOB_OPTIONS, jobId: toBullmqJobId(operationId) });
  }

  /**
   * Finds keys whose holder has no BullMQ job (the process died between two Redis calls) and
   * re-adds it; releases keys still held by a finished job. Runs once per lease while started.
   */
  private async repair(): Promise<void> {
    if (this.repairing) return;
    this.repairing = true;
    try {
      let cursor = '0';
      do {
        const page = await this.lines.holders(cursor);
        cursor = page.cursor;
        for (const key of page.keys) await this.repairKey(key);
      } while (cursor !== '0' && this.worker);
    } catch (error) {
      // Redis is unreachable: the next pass, a lease later, tries again.
      this.options.onError?.(error as Error);
    } finally {
      this.repairing = false;
    }
  }

  private async repairKey(key: string): Promise<void> {
    const held = await this.lines.inspect(key);
    if (!held) return;
    if (held.state === 'done' || held.state === 'failed' || held.state === 'cancelled') {
      const next = await this.lines.releaseHolder(key, held.holder);
      if (next) await this.addToBullmq(next);
      return;
    }
    const state = await this.bull.getJobState(toBullmqJobId(held.holder));
    if (state !== 'unknown' && state !== 'completed' && state !== 'failed') return;
    // Look again: the holder may have finished and moved on while BullMQ was asked.
    const again = await this.lines.inspect(key);
    if (again?.holder !== held.holder) return;
    if (state !== 'unknown') await this.bull.remove(toBullmqJobId(held.holder));
    await this.addToBullmq(held.holder);
  }

  /** Waits for `work` at most the stop bound, then runs `fallback` (a forced close). */
  private async bounded(work: Promise<unknown>, fallback: () => unknown): Promise<void> {
    let timer: Disposable | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('expired'), this.stopTimeoutMs);
    });
    const outcome = await Promise.race([
      work.then(
        () => 'done' as const,
        () => 'done' as const,
      ),
      expired,
    ]);
    void timer?.dispose();
    if (outcome === 'expired') await Promise.resolve(fallback()).catch(() => undefined);
  }

  private async call<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) throw new UnavailableError('the operation queue is closed');
    try {
      return await task();
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new UnavailableError('the Redis server of the operation queue failed', error);
    }
  }
}
