/**
 * The operator's clock and work queue. Every delay is "realistic seconds" divided by `speed`, and
 * every timer and pending wait is owned here so that `stop()` ends them all at once.
 */

/** Raised inside async work when the operator stops (or a run is aborted); callers just return. */
export class StoppedError extends Error {
  constructor(message = 'operator stopped') {
    super(message);
    this.name = 'StoppedError';
  }
}

/** Owns timers scaled by `speed`. */
export class Runtime {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly controller = new AbortController();

  /** `onError` receives whatever a timer callback throws: a timer never takes the process down. */
  constructor(
    readonly speed: number,
    private readonly onError: (error: unknown) => void = (error) =>
      process.stderr.write(`sim operator: timer: ${String(error)}\n`),
  ) {}

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onError(error);
    }
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Real milliseconds for `ms` of simulated (realistic) time. */
  scale(ms: number): number {
    return Math.max(1, ms / this.speed);
  }

  /** Runs `fn` after `ms` simulated milliseconds, unless stopped first. */
  after(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) this.guard(fn);
    }, this.scale(ms));
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Runs `fn` every `ms` simulated milliseconds (at least `minRealMs` real ones apart). */
  every(ms: number, fn: () => void, minRealMs = 5): () => void {
    if (this.stopped) return () => undefined;
    const timer = setInterval(
      () => {
        if (!this.stopped) this.guard(fn);
      },
      Math.max(minRealMs, this.scale(ms)),
    );
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  /** Waits `ms` simulated milliseconds; rejects with `StoppedError` when stopped or `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped || signal?.aborted) return reject(new StoppedError());
      const onAbort = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        reject(new StoppedError(signal?.aborted ? 'aborted' : 'operator stopped'));
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.controller.signal.removeEventListener('abort', onAbort);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.scale(ms));
      this.timers.add(timer);
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Polls `predicate` every `pollMs` simulated milliseconds until it holds; rejects with
   * `StoppedError` on stop/abort. The caller bounds the wait with its own timeout signal.
   */
  async waitFor(predicate: () => boolean, signal: AbortSignal, pollMs = 250): Promise<void> {
    while (!predicate()) await this.sleep(pollMs, signal);
  }

  stop(): void {
    this.controller.abort();
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers.clear();
  }
}

/**
 * A keyed, de-duplicating work queue: many changes to one object become one reconcile, run in a
 * later macrotask (never inside the state's change listener). A handler may ask to run again later.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private readonly delayed = new Map<string, () => void>();

  constructor(
    private readonly runtime: Runtime,
    private readonly handler: (key: string) => void,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  add(key: string): void {
    if (this.runtime.stopped) return;
    this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  /** Reconciles `key` again after `ms` simulated milliseconds (one pending delay per key). */
  addAfter(key: string, ms: number): void {
    this.delayed.get(key)?.();
    const cancel = this.runtime.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, cancel);
  }

  private drain(): void {
    this.scheduled = false;
    if (this.runtime.stopped) return;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      try {
        this.handler(key);
      } catch (error) {
        this.onError(key, error);
      }
    }
  }
}
