import { backoffDelay, type BackoffPolicy } from '../base/backoff';
import type { Clock } from '../base/clock';
import type { Disposable } from '../base/disposable';

/** Retry delays of a failing key: 200 ms doubling to 30 s, with jitter so that keys spread out. */
export const WORK_QUEUE_BACKOFF: BackoffPolicy = {
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

export interface KeyedWorkQueueOptions {
  /** Time, for retry and `addAfter` delays (tests step a `FakeClock`). */
  clock: Clock;
  /** Keys processed at once (default 4). */
  concurrency?: number;
  /** Delays between retries of a failing key (default `WORK_QUEUE_BACKOFF`). */
  backoff?: BackoffPolicy;
  /** Jitter source, for deterministic tests. */
  random?: () => number;
  onError?: (key: string, error: unknown) => void;
}

/**
 * The keyed work queue the loops share (controller-runtime style): it holds keys, never objects; a
 * key added while queued is not added twice; a key is never processed by two workers at once, and
 * a key added while it is being processed is processed once more afterwards (level-based: the
 * worker re-reads current state every pass). Failures are retried with a growing delay, bounded.
 */
export class KeyedWorkQueue implements Disposable {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<Disposable>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly worker: (key: string) => Promise<void>,
    private readonly options: KeyedWorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Adds the key after `ms` (for re-checks such as a failure threshold running out). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const timer = this.options.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, ms);
    this.timers.add(timer);
  }

  get length(): number {
    return this.order.length + this.processing.size;
  }

  /** Resolves once nothing is queued or being processed (for benchmarks and tests). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispose(): void {
    this.stopped = true;
    for (const timer of this.timers) void timer.dispose();
    this.timers.clear();
    this.order.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (!this.stopped && this.running < concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      void this.run(key);
    }
    if (this.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.worker(key);
      this.failures.delete(key);
    } catch (error) {
      this.options.onError?.(key, error);
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.addAfter(
        key,
        backoffDelay(failures, this.options.backoff ?? WORK_QUEUE_BACKOFF, this.options.random),
      );
    } finally {
      this.processing.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
