/**
 * One `start()`..`stop()` span of a queue instance, shared by both adapters: it runs handlers with
 * their abort signals, knows why a delivery was interrupted, and bounds how long `stop()` waits.
 */
import { UnavailableError, type Clock } from '../base';
import type { JobHandler, QueueJob } from './index';
import {
  decide,
  invokeHandler,
  type HandlerEnd,
  type JobDecision,
  type ResolvedStartOptions,
} from './job-policy';

/** Why a delivery's signal was aborted. */
export type Interruption = 'stop' | 'lease-lost';

/** What to do with a job after a delivery: a policy decision, give it back unchanged, or nothing (lease lost). */
export type DeliveryDecision = JobDecision | { kind: 'release' } | { kind: 'lost' };

interface Delivery {
  controller: AbortController;
  interruption: Interruption | null;
  finished: Promise<void>;
}

/** Default bound of `stop()`: DESIGN.md asks that stopping never hangs the engine. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export class ConsumerSession {
  private readonly deliveries = new Map<string, Delivery>();
  private stopped = false;

  constructor(
    readonly handler: JobHandler,
    readonly options: ResolvedStartOptions,
    private readonly clock: Clock,
  ) {}

  /** False once `stop()` began: claim nothing more. */
  get accepting(): boolean {
    return !this.stopped;
  }

  /** Handlers running now. */
  get running(): number {
    return this.deliveries.size;
  }

  /** Slots free for new deliveries. */
  get freeSlots(): number {
    return this.stopped ? 0 : Math.max(0, this.options.concurrency - this.deliveries.size);
  }

  /** Runs the handler for one delivery and decides what becomes of the job. */
  async deliver(job: QueueJob): Promise<DeliveryDecision> {
    const controller = new AbortController();
    let markFinished!: () => void;
    const delivery: Delivery = {
      controller,
      interruption: null,
      finished: new Promise<void>((resolve) => {
        markFinished = resolve;
      }),
    };
    this.deliveries.set(job.operationId, delivery);
    let end: HandlerEnd;
    try {
      end = await invokeHandler(this.handler, job, controller.signal);
    } finally {
      this.deliveries.delete(job.operationId);
      markFinished();
    }
    return decideAfter(end, delivery.interruption, job.attempt, this.options);
  }

  /** Aborts a delivery whose lease another instance now holds; its result will be ignored. */
  loseLease(operationId: string): void {
    this.interrupt(
      operationId,
      'lease-lost',
      new UnavailableError('the queue lease of this job was lost'),
    );
  }

  /** Stops accepting, aborts every running handler, and waits for them at most `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    const reason = new UnavailableError('the operation queue is stopping');
    for (const operationId of [...this.deliveries.keys()])
      this.interrupt(operationId, 'stop', reason);
    const all = Promise.all([...this.deliveries.values()].map((delivery) => delivery.finished));
    let timer: { dispose(): void | Promise<void> } | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, bound]);
    void timer?.dispose();
  }

  private interrupt(operationId: string, why: Interruption, reason: Error): void {
    const delivery = this.deliveries.get(operationId);
    if (!delivery || delivery.interruption) return;
    delivery.interruption = why;
    delivery.controller.abort(reason);
  }
}

/**
 * A lost lease means another instance owns the job: write nothing. A stop gives the job back
 * (uncounted) unless the handler still reached a final answer (`done`, or `failed` on purpose).
 */
function decideAfter(
  end: HandlerEnd,
  interruption: Interruption | null,
  attempt: number,
  options: ResolvedStartOptions,
): DeliveryDecision {
  if (interruption === 'lease-lost') return { kind: 'lost' };
  const final =
    'result' in end && (end.result.outcome === 'done' || end.result.outcome === 'failed');
  if (interruption === 'stop' && !final) return { kind: 'release' };
  return decide(end, attempt, options);
}
