/**
 * The OperationQueue port: a durable queue of operation ids that the operation workers consume.
 * It holds keys (operation ids), never objects: a worker reads the operation record from the Store
 * on every attempt. Implementations: `sqlite/` (embedded, durable in a file) and `bullmq/` (Redis).
 * Both pass `conformance/queue-conformance.ts`.
 */
import { DEFAULT_BACKOFF, type BackoffPolicy, type Disposable } from '../base';

/** One delivery of a queued operation to a handler. */
export interface QueueJob {
  /** The operation to work on; the record lives in the Store. */
  operationId: string;
  /** The serialisation key (the database id): jobs with one key run one at a time, in enqueue order. */
  key: string;
  /** 1-based; counts every delivery, including one interrupted by a crash. */
  attempt: number;
  /** When the job was first enqueued (ms since the epoch). */
  enqueuedAt: number;
}

/**
 * What a handler decides. `retry` is retried after `delayMs` (or the queue's backoff) until the
 * attempts run out, then settles `failed`. A handler that throws counts as `retry`, unless it throws
 * an `EngineError` with `terminal: true`, which settles `failed` at once.
 */
export type JobResult =
  | { outcome: 'done' }
  | { outcome: 'retry'; delayMs?: number }
  | { outcome: 'failed'; reason: string };

/**
 * Works on one job. `signal` aborts when the queue stops or loses the job's lease: the handler
 * should then return promptly; its work is idempotent, so the next delivery repeats nothing harmful.
 */
export type JobHandler = (job: QueueJob, signal: AbortSignal) => Promise<JobResult>;

/** How a started queue consumes jobs. */
export interface QueueStartOptions {
  /** Handlers running at once across all keys; an integer in 1..10, default 3. */
  concurrency?: number;
  /** Deliveries before a job settles `failed`; default 3. */
  maxAttempts?: number;
  /** Delay between attempts when the handler names none; default `DEFAULT_BACKOFF`. */
  backoff?: BackoffPolicy;
}

/** The end of a job, reported once by the queue instance that settled it. */
export interface QueueSettledEvent {
  operationId: string;
  outcome: 'done' | 'failed' | 'cancelled';
  /** Deliveries made (0 for a job cancelled before it ever ran). */
  attempts: number;
  /** Why it failed (secret-free); absent for `done` and `cancelled`. */
  reason?: string;
}

/**
 * A durable, keyed operation queue. Jobs survive a crash of the process: a job whose worker died is
 * delivered again once its lease (renewed while the handler runs) expires, with its attempt counted.
 */
export interface OperationQueue extends Disposable {
  /** Adds a job. Idempotent per `operationId`: enqueueing a known id again (even a finished one) does nothing. */
  enqueue(job: { operationId: string; key: string }): Promise<void>;
  /**
   * Cancels a job that has not started yet; it then never runs and settles `cancelled`.
   * Returns false when the job is running, has run (even if waiting for a retry), or is unknown.
   */
  cancel(operationId: string): Promise<boolean>;
  /** Begins consuming with `handler`. Throws if already started or closed; may start again after `stop()`. */
  start(handler: JobHandler, options?: QueueStartOptions): void;
  /**
   * Stops taking jobs, aborts the signal of running handlers and waits for them, at most a bounded
   * time (10 s by default). A job whose handler was interrupted this way is given back without
   * counting the attempt. After `stop()` resolves, this instance runs nothing until started again.
   */
  stop(): Promise<void>;
  /** Jobs waiting to run (`queued`), leased by a worker (`running`), and waiting for a retry (`delayed`). */
  counts(): Promise<{ queued: number; running: number; delayed: number }>;
  /** Listens for jobs this instance settles (ran to the end, or cancelled). */
  onSettled(listener: (event: QueueSettledEvent) => void): Disposable;
  /** Stops, then releases connections. Idempotent; later calls other than `close` fail with UnavailableError. */
  close(): Promise<void>;
}

/** The defaults of `OperationQueue.start` (DESIGN.md: 3 workers, up to 10; three attempts). */
export const DEFAULT_QUEUE_START_OPTIONS: Readonly<Required<QueueStartOptions>> = Object.freeze({
  concurrency: 3,
  maxAttempts: 3,
  backoff: DEFAULT_BACKOFF,
});
