import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../rate-limiter';

/** A clock the suite moves by hand. */
export interface ManualClock {
  now: () => number;
  advance: (ms: number) => void;
  set: (ms: number) => void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/**
 * What every RateLimiter must do, run against each implementation (memory, Redis) so that a single
 * engine and a shared deployment limit alike. `make` builds a fresh limiter (own keys) on `clock`;
 * `makeSharing` a second limiter counting into the same buckets (another replica).
 */
export function rateLimiterConformance(
  name: string,
  make: (clock: ManualClock) => { limiter: RateLimiter; twin: () => RateLimiter },
): void {
  describe(`RateLimiter conformance (${name})`, () => {
    it('admits a burst of the limit, refuses the next and says when one more fits', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      for (let i = 0; i < 100; i++) {
        const decision = await limiter.hit('reads', 100, 60_000);
        expect(decision.allowed).toBe(true);
        expect(decision.remaining).toBe(99 - i);
      }
      const refused = await limiter.hit('reads', 100, 60_000);
      expect(refused).toMatchObject({ allowed: false, limit: 100, remaining: 0 });
      expect(refused.retryAfterMs).toBe(600);
      expect(refused.resetMs).toBe(60_000);
    });

    it('refills evenly, so no window edge lets twice the limit through', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      let admitted = 0;
      // 2.2 s of requests every 10 ms: a fixed window admitted 199 here.
      for (let t = 0; t <= 2_200; t += 10) {
        if ((await limiter.hit('edge', 100, 60_000)).allowed) admitted++;
        clock.advance(10);
      }
      expect(admitted).toBe(100 + Math.floor((2_200 * 100) / 60_000));
      clock.advance(600);
      expect((await limiter.hit('edge', 100, 60_000)).allowed).toBe(true);
      expect((await limiter.hit('edge', 100, 60_000)).allowed).toBe(false);
    });

    it('never holds more than the limit, however long it was idle', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      await limiter.hit('idle', 5, 60_000);
      clock.advance(10 * 60_000);
      let admitted = 0;
      for (let i = 0; i < 8; i++) if ((await limiter.hit('idle', 5, 60_000)).allowed) admitted++;
      expect(admitted).toBe(5);
    });

    it('gives tokens back for a negative cost, up to the limit and never refusing it', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      for (let i = 0; i < 4; i++) await limiter.hit('refund', 4, 60_000);
      expect((await limiter.hit('refund', 4, 60_000)).allowed).toBe(false);
      const back = await limiter.hit('refund', 4, 60_000, -0.75);
      expect(back).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.hit('refund', 4, 60_000, -0.75)).remaining).toBe(1);
      expect((await limiter.hit('refund', 4, 60_000)).allowed).toBe(true);
      const full = await limiter.hit('refund', 4, 60_000, -100);
      expect(full).toMatchObject({ allowed: true, remaining: 4, resetMs: 0 });
    });

    it('keeps keys apart', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      expect((await limiter.hit('a', 1, 60_000)).allowed).toBe(true);
      expect((await limiter.hit('a', 1, 60_000)).allowed).toBe(false);
      expect((await limiter.hit('b', 1, 60_000)).allowed).toBe(true);
    });

    it('does not refill from a clock that went back', async () => {
      const clock = manualClock();
      const { limiter } = make(clock);
      await limiter.hit('skew', 2, 60_000);
      await limiter.hit('skew', 2, 60_000);
      clock.advance(-30_000);
      expect((await limiter.hit('skew', 2, 60_000)).allowed).toBe(false);
      clock.advance(30_000 + 30_000);
      expect((await limiter.hit('skew', 2, 60_000)).allowed).toBe(true);
    });

    it('counts concurrent calls from two replicas into one bucket exactly', async () => {
      const clock = manualClock();
      const { limiter, twin } = make(clock);
      const other = twin();
      const decisions = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? limiter : other).hit('shared', 10, 60_000)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    });
  });
}
