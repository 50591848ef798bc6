import { describe, expect, it } from 'vitest';
import { elapse, Recorder, SettledLog, waitFor, type QueueSuiteContext } from './harness';

/**
 * Durability across instances: leases keep a running job to one worker, and a crashed worker's
 * jobs are delivered again, each exactly once, once its lease expires.
 */
export function runRecoveryConformance(context: QueueSuiteContext): void {
  describe('leases and crash recovery', () => {
    it('never delivers a running job to a second instance while its lease is renewed', async () => {
      const storeName = context.freshName();
      const a = await context.open(storeName);
      const b = await context.open(storeName);
      const recorder = new Recorder();
      const settled = new SettledLog();
      settled.watch(a, 'a');
      settled.watch(b, 'b');
      a.start(recorder.handler('a'));
      b.start(recorder.handler('b'));
      await a.enqueue({ operationId: 'op-1', key: 'db-1' });
      await waitFor('op-1 to start', () => recorder.started('op-1'));
      // Time itself must pass here: three leases, so an unrenewed lease would have expired.
      await elapse(context.leaseMs * 3);
      expect(recorder.runsOf('op-1')).toHaveLength(1);
      expect((await b.counts()).running).toBe(1);
      recorder.release('op-1');
      await settled.waitFor(['op-1']);
      expect(settled.of('op-1')).toMatchObject([{ outcome: 'done', attempts: 1 }]);
      expect(recorder.runs).toHaveLength(1);
    }, 30_000);

    it('delivers a crashed instance running and queued jobs again, each exactly once', async () => {
      const storeName = context.freshName();
      const crashed = await context.open(storeName);
      const dead = new Recorder();
      crashed.start(dead.handler('crashed'), { concurrency: 3 });
      await crashed.enqueue({ operationId: 'op-1', key: 'db-1' });
      await crashed.enqueue({ operationId: 'op-2', key: 'db-1' });
      await crashed.enqueue({ operationId: 'op-3', key: 'db-2' });
      await waitFor('op-1 and op-3 to start', () => dead.started('op-1') && dead.started('op-3'));
      await crashed.simulateCrash();

      const survivor = await context.open(storeName);
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const settled = new SettledLog();
      settled.watch(survivor, 'b');
      survivor.start(recorder.handler('b'), { concurrency: 3 });
      await settled.waitFor(['op-1', 'op-2', 'op-3'], 20_000);
      // A later job of the same key proves the survivor moved past them without repeating any.
      await survivor.enqueue({ operationId: 'op-4', key: 'db-1' });
      await settled.waitFor(['op-4']);

      expect(recorder.runsOf('op-1').map((run) => run.job.attempt)).toEqual([2]);
      expect(recorder.runsOf('op-3').map((run) => run.job.attempt)).toEqual([2]);
      expect(recorder.runsOf('op-2').map((run) => run.job.attempt)).toEqual([1]);
      expect(recorder.order().filter((id) => id !== 'op-3')).toEqual(['op-1', 'op-2', 'op-4']);
      for (const id of ['op-1', 'op-2', 'op-3', 'op-4']) {
        expect(settled.of(id)).toMatchObject([{ outcome: 'done' }]);
      }
      expect(settled.of('op-1')[0]!.attempts).toBe(2);
      expect(dead.runs).toHaveLength(2);
      expect(recorder.maxRunningPerKey).toBe(1);
      // The dead worker wakes up late: its answer must change nothing.
      dead.release('op-1', { outcome: 'failed', reason: 'too late' });
      await expect(survivor.counts()).resolves.toEqual({ queued: 0, running: 0, delayed: 0 });
    }, 30_000);

    it('settles failed a job whose last attempt was interrupted by a crash', async () => {
      const storeName = context.freshName();
      const crashed = await context.open(storeName);
      const dead = new Recorder();
      crashed.start(dead.handler('crashed'), { maxAttempts: 1 });
      await crashed.enqueue({ operationId: 'op-1', key: 'db-1' });
      await crashed.enqueue({ operationId: 'op-2', key: 'db-1' });
      await waitFor('op-1 to start', () => dead.started('op-1'));
      await crashed.simulateCrash();

      const survivor = await context.open(storeName);
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const settled = new SettledLog();
      settled.watch(survivor, 'b');
      survivor.start(recorder.handler('b'), { maxAttempts: 1 });
      await settled.waitFor(['op-1', 'op-2'], 20_000);
      expect(settled.of('op-1')).toMatchObject([{ outcome: 'failed', attempts: 1 }]);
      expect(settled.of('op-1')[0]!.reason).toMatch(/stopped or crashed/);
      expect(recorder.order()).toEqual(['op-2']);
    }, 30_000);
  });
}
