import { describe, expect, it } from 'vitest';
import { FakeClock } from '../base/fake-clock';
import { KeyedWorkQueue } from './work-queue';

const NO_JITTER = { initialMs: 200, maxMs: 1_000, factor: 2, jitter: 0 };

/** A worker whose passes the test finishes by hand, recording every start. */
function manualWorker() {
  const started: string[] = [];
  const pending = new Map<string, (() => void)[]>();
  let active = 0;
  let maxActive = 0;
  const worker = (key: string): Promise<void> => {
    started.push(key);
    active++;
    maxActive = Math.max(maxActive, active);
    return new Promise<void>((resolve) => {
      const list = pending.get(key) ?? [];
      list.push(() => {
        active--;
        resolve();
      });
      pending.set(key, list);
    });
  };
  const finish = (key: string): void => {
    const next = pending.get(key)?.shift();
    if (!next) throw new Error(`${key} is not being processed`);
    next();
  };
  return { worker, started, finish, maxActive: () => maxActive };
}

describe('KeyedWorkQueue', () => {
  it('holds a key once however often it is added while queued', async () => {
    const clock = new FakeClock();
    const w = manualWorker();
    const queue = new KeyedWorkQueue(w.worker, { clock, concurrency: 1 });
    queue.add('a');
    queue.add('b');
    queue.add('b');
    queue.add('b');
    expect(queue.length).toBe(2);
    w.finish('a');
    await clock.settle();
    w.finish('b');
    await queue.idle();
    expect(w.started).toEqual(['a', 'b']);
  });

  it('never runs a key twice at once, and runs it once more when it was added during a pass', async () => {
    const clock = new FakeClock();
    const w = manualWorker();
    const queue = new KeyedWorkQueue(w.worker, { clock, concurrency: 4 });
    queue.add('a');
    await clock.settle();
    // Added three times while its first pass runs: one more pass, after this one.
    queue.add('a');
    queue.add('a');
    queue.add('a');
    expect(w.started).toEqual(['a']);
    w.finish('a');
    await clock.settle();
    expect(w.started).toEqual(['a', 'a']);
    expect(w.maxActive()).toBe(1);
    w.finish('a');
    await queue.idle();
    expect(w.started).toEqual(['a', 'a']);
  });

  it('processes at most `concurrency` keys at once', async () => {
    const clock = new FakeClock();
    const w = manualWorker();
    const queue = new KeyedWorkQueue(w.worker, { clock, concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await clock.settle();
    expect(w.started).toEqual(['a', 'b']);
    w.finish('a');
    await clock.settle();
    expect(w.started).toEqual(['a', 'b', 'c']);
    w.finish('b');
    w.finish('c');
    await clock.settle();
    w.finish('d');
    await queue.idle();
    expect(w.maxActive()).toBe(2);
  });

  it('retries a failing key after the delays of its backoff policy, and resets them after a success', async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    let failuresLeft = 3;
    const errors: unknown[] = [];
    const queue = new KeyedWorkQueue(
      async () => {
        attempts.push(clock.now());
        if (failuresLeft-- > 0) throw new Error('not yet');
      },
      { clock, backoff: NO_JITTER, onError: (_key, error) => errors.push(error) },
    );
    queue.add('a');
    await clock.settle();
    expect(attempts).toEqual([0]);
    await clock.advance(199);
    expect(attempts).toEqual([0]);
    await clock.advance(1);
    expect(attempts).toEqual([0, 200]);
    await clock.advance(400);
    expect(attempts).toEqual([0, 200, 600]);
    await clock.advance(800);
    expect(attempts).toEqual([0, 200, 600, 1_400]);
    expect(errors).toHaveLength(3);
    expect(clock.pending).toBe(0);
    failuresLeft = 1;
    queue.add('a');
    await clock.settle();
    await clock.advance(200);
    expect(attempts).toEqual([0, 200, 600, 1_400, 1_400, 1_600]);
  });

  it('caps the retry delay at the policy maximum', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const queue = new KeyedWorkQueue(
      async () => {
        calls++;
        throw new Error('always');
      },
      { clock, backoff: NO_JITTER },
    );
    queue.add('a');
    await clock.advance(200 + 400 + 800);
    expect(calls).toBe(4);
    expect(clock.nextDueAt()).toBe(1_400 + 1_000);
    queue.dispose();
  });

  it('adds a key after a delay on the clock, and forgets pending delays when disposed', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const queue = new KeyedWorkQueue(async (key) => void seen.push(key), { clock });
    queue.addAfter('later', 5_000);
    queue.addAfter('never', 10_000);
    await clock.advance(4_999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual(['later']);
    queue.dispose();
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    queue.add('after-dispose');
    await clock.settle();
    expect(seen).toEqual(['later']);
  });
});
