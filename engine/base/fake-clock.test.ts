import { describe, expect, it } from 'vitest';
import { delay } from './clock';
import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires timers only when advanced, in the order they fall due, at their own time', async () => {
    const clock = new FakeClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
    clock.setTimeout(() => fired.push(['tie', clock.now()]), 100);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(150);
    expect(fired).toEqual([
      ['a', 1_100],
      ['tie', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.now()).toBe(1_249);
  });

  it('repeats intervals until disposed, and never fires a disposed timer', async () => {
    const clock = new FakeClock();
    let ticks = 0;
    const interval = clock.setInterval(() => ticks++, 10);
    const cancelled = clock.setTimeout(() => (ticks += 100), 5);
    void cancelled.dispose();
    await clock.advance(35);
    expect(ticks).toBe(3);
    void interval.dispose();
    await clock.advance(100);
    expect(ticks).toBe(3);
    expect(clock.pending).toBe(0);
  });

  it('lets async work a timer started run, and fires the timers it sets within the same step', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const chain = (async () => {
      await delay(50, undefined, clock);
      seen.push(clock.now());
      await delay(50, undefined, clock);
      seen.push(clock.now());
    })();
    await clock.advance(100);
    await chain;
    expect(seen).toEqual([50, 100]);
  });

  it('moves to the next due timer on request and refuses to go back', async () => {
    const clock = new FakeClock();
    expect(await clock.advanceToNext()).toBe(false);
    clock.setTimeout(() => undefined, 700);
    expect(clock.nextDueAt()).toBe(700);
    expect(await clock.advanceToNext()).toBe(true);
    expect(clock.now()).toBe(700);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });
});
