/**
 * Test helpers of the queue conformance suite: deferreds, bounded waits on conditions, and a
 * recording handler whose deliveries the test releases one by one.
 */
import type {
  JobHandler,
  JobResult,
  OperationQueue,
  QueueJob,
  QueueSettledEvent,
  QueueStartOptions,
} from '../index';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves after `ms`: only where the test needs time itself to pass (a lease to expire), never to synchronise. */
export function elapse(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One delivery as the handler saw it. */
export interface Run {
  instance: string;
  job: QueueJob;
  signal: AbortSignal;
  startedAt: number;
  endedAt: number | null;
}

/**
 * Records every delivery of every instance it makes handlers for. By default a delivery waits
 * until the test calls `release(operationId, result)`.
 */
export class Recorder {
  readonly runs: Run[] = [];
  maxRunning = 0;
  maxRunningPerKey = 0;
  private readonly runningPerKey = new Map<string, number>();
  private running = 0;
  /** Deliveries waiting for the test's answer. */
  private readonly waiting = new Map<string, Deferred<JobResult>>();
  /** Answers given before their delivery started. */
  private readonly answered = new Map<string, JobResult>();

  /** `autoResult` answers a delivery at once; when it returns undefined, the delivery waits for `release`. */
  constructor(
    private readonly autoResult?: (job: QueueJob) => JobResult | undefined | Promise<JobResult>,
  ) {}

  handler(
    instance: string,
    behaviour?: (job: QueueJob, signal: AbortSignal) => Promise<JobResult>,
  ): JobHandler {
    return async (job, signal) => {
      const run: Run = { instance, job, signal, startedAt: Date.now(), endedAt: null };
      this.runs.push(run);
      this.running += 1;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      const perKey = (this.runningPerKey.get(job.key) ?? 0) + 1;
      this.runningPerKey.set(job.key, perKey);
      this.maxRunningPerKey = Math.max(this.maxRunningPerKey, perKey);
      try {
        if (behaviour) return await behaviour(job, signal);
        const result = this.autoResult ? await this.autoResult(job) : undefined;
        return result ?? (await this.answer(job.operationId));
      } finally {
        run.endedAt = Date.now();
        this.running -= 1;
        this.runningPerKey.set(job.key, (this.runningPerKey.get(job.key) ?? 1) - 1);
      }
    };
  }

  /** Answers the pending (or the next) delivery of `operationId`. */
  release(operationId: string, result: JobResult = { outcome: 'done' }): void {
    const waiting = this.waiting.get(operationId);
    if (!waiting) {
      this.answered.set(operationId, result);
      return;
    }
    this.waiting.delete(operationId);
    waiting.resolve(result);
  }

  runsOf(operationId: string): Run[] {
    return this.runs.filter((run) => run.job.operationId === operationId);
  }

  started(operationId: string, count = 1): boolean {
    return this.runsOf(operationId).length >= count;
  }

  /** Operation ids in the order their deliveries started. */
  order(): string[] {
    return this.runs.map((run) => run.job.operationId);
  }

  private answer(operationId: string): Promise<JobResult> {
    const early = this.answered.get(operationId);
    if (early) {
      this.answered.delete(operationId);
      return Promise.resolve(early);
    }
    const gate = deferred<JobResult>();
    this.waiting.set(operationId, gate);
    return gate.promise;
  }
}

/** Collects the settled events of one or more queue instances. */
export class SettledLog {
  readonly events: Array<QueueSettledEvent & { instance: string }> = [];

  watch(queue: OperationQueue, instance: string): void {
    queue.onSettled((event) => this.events.push({ ...event, instance }));
  }

  of(operationId: string): Array<QueueSettledEvent & { instance: string }> {
    return this.events.filter((event) => event.operationId === operationId);
  }

  async waitFor(operationIds: readonly string[], timeoutMs?: number): Promise<void> {
    await waitFor(
      `${operationIds.join(', ')} to settle`,
      () => operationIds.every((id) => this.of(id).length > 0),
      timeoutMs,
    );
  }
}

/** What the suite needs beyond the port: a way to kill an instance as a crash would. */
export interface CrashableOperationQueue extends OperationQueue {
  /** Drops connections and timers without settling, releasing or aborting anything. */
  simulateCrash(): Promise<void>;
}

/** What a suite section shares: how to open instances (closed after each test) and the timing. */
export interface QueueSuiteContext {
  /** Opens an instance on the backing store called `name`; the same name means the same store. */
  open(name: string): Promise<CrashableOperationQueue>;
  /** A name no other test uses. */
  freshName(): string;
  leaseMs: number;
}

/** Opens a fresh instance, watches its settled events as instance 'a', and starts it with `recorder`. */
export async function startQueue(
  context: QueueSuiteContext,
  recorder: Recorder,
  options: QueueStartOptions = {},
): Promise<{ queue: CrashableOperationQueue; settled: SettledLog }> {
  const queue = await context.open(context.freshName());
  const settled = new SettledLog();
  settled.watch(queue, 'a');
  queue.start(recorder.handler('a'), options);
  return { queue, settled };
}
