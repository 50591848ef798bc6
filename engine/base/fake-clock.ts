import type { Clock } from './clock';
import type { Disposable } from './disposable';

interface Timer {
  readonly id: number;
  at: number;
  readonly fn: () => void;
  /** Set for intervals: the period to re-arm with. */
  readonly every: number | undefined;
}

/** Gives pending promise callbacks (and whatever they schedule) a turn of the event loop. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => globalThis.setTimeout(resolve, 0));
}

/**
 * A `Clock` that only moves when a test says so (client-go's `FakeClock`). Timers fire in the order
 * they fall due — ties in the order they were set — and between two timers the event loop gets a
 * turn, so that async work a timer started (and any timer it sets in turn) happens before the next
 * one fires, as it would in real time.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Disposable {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** How many timers are waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer falls due, or undefined when none is set. */
  nextDueAt(): number | undefined {
    return this.earliest()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (in due order, at its own
   * time), including timers those timers set, as long as they fall due within the step.
   */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError('a fake clock does not go back');
    const target = this.current + ms;
    await yieldToEventLoop();
    for (let timer = this.earliest(); timer && timer.at <= target; timer = this.earliest()) {
      this.current = Math.max(this.current, timer.at);
      this.fire(timer);
      await yieldToEventLoop();
    }
    this.current = target;
    await yieldToEventLoop();
  }

  /** Moves time to the next timer and fires it (and any other timer due then); false when none is set. */
  async advanceToNext(): Promise<boolean> {
    const next = this.nextDueAt();
    if (next === undefined) return false;
    await this.advance(next - this.current);
    return true;
  }

  /** Lets pending async work run without moving time. */
  async settle(turns = 3): Promise<void> {
    for (let turn = 0; turn < turns; turn++) await yieldToEventLoop();
  }

  private add(fn: () => void, ms: number, every: number | undefined): Disposable {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), fn, every });
    return { dispose: () => void this.timers.delete(id) };
  }

  private earliest(): Timer | undefined {
    let first: Timer | undefined;
    for (const timer of this.timers.values())
      if (!first || timer.at < first.at || (timer.at === first.at && timer.id < first.id))
        first = timer;
    return first;
  }

  private fire(timer: Timer): void {
    if (timer.every === undefined) this.timers.delete(timer.id);
    else timer.at += timer.every;
    timer.fn();
  }
}
