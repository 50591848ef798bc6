import { describe, expect, it } from 'vitest';
import { EngineError, UnavailableError, ValidationError } from '../../base/errors';
import type { QueueStartOptions } from '../index';
import { Recorder, SettledLog, startQueue, waitFor, type QueueSuiteContext } from './harness';

/** Cancel, idempotent enqueue, validation, and the start/stop/close life of an instance. */
export function runLifecycleConformance(context: QueueSuiteContext): void {
  const started = (recorder: Recorder, options?: QueueStartOptions) =>
    startQueue(context, recorder, options);

  describe('cancel and idempotency', () => {
    it('cancels a queued job: it never runs and settles cancelled', async () => {
      const recorder = new Recorder();
      const { queue, settled } = await started(recorder);
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-2', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-3', key: 'db-1' });
      await waitFor('op-1 to start', () => recorder.started('op-1'));
      expect(await queue.cancel('op-2')).toBe(true);
      expect(await queue.cancel('op-2')).toBe(false);
      expect(settled.of('op-2')).toEqual([
        { operationId: 'op-2', outcome: 'cancelled', attempts: 0, instance: 'a' },
      ]);
      recorder.release('op-1');
      await waitFor('op-3 to start', () => recorder.started('op-3'));
      recorder.release('op-3');
      await settled.waitFor(['op-1', 'op-3']);
      expect(recorder.order()).toEqual(['op-1', 'op-3']);
    });

    it('cancels a job enqueued before the queue started', async () => {
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const queue = await context.open(context.freshName());
      const settled = new SettledLog();
      settled.watch(queue, 'a');
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-2', key: 'db-1' });
      expect(await queue.cancel('op-1')).toBe(true);
      queue.start(recorder.handler('a'));
      await settled.waitFor(['op-2']);
      expect(recorder.order()).toEqual(['op-2']);
    });

    it('refuses to cancel a running, finished or unknown job', async () => {
      const recorder = new Recorder();
      const { queue, settled } = await started(recorder);
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await waitFor('op-1 to start', () => recorder.started('op-1'));
      expect(await queue.cancel('op-1')).toBe(false);
      recorder.release('op-1');
      await settled.waitFor(['op-1']);
      expect(settled.of('op-1')).toMatchObject([{ outcome: 'done' }]);
      expect(await queue.cancel('op-1')).toBe(false);
      expect(await queue.cancel('op-unknown')).toBe(false);
    });

    it('ignores a second enqueue of a known operation id, queued or finished', async () => {
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const queue = await context.open(context.freshName());
      const settled = new SettledLog();
      settled.watch(queue, 'a');
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      expect(await queue.counts()).toEqual({ queued: 1, running: 0, delayed: 0 });
      queue.start(recorder.handler('a'));
      await settled.waitFor(['op-1']);
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await queue.enqueue({ operationId: 'op-2', key: 'db-1' });
      await settled.waitFor(['op-2']);
      expect(recorder.order()).toEqual(['op-1', 'op-2']);
      expect(settled.of('op-1')).toHaveLength(1);
    });

    it('accepts every entity id, numeric ones included', async () => {
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const { queue, settled } = await started(recorder);
      const ids = ['42', '0', 'a.b_c-d', '7e3'];
      for (const id of ids) await queue.enqueue({ operationId: id, key: '12' });
      await settled.waitFor(ids);
      expect(recorder.order()).toEqual(ids);
    });

    it('refuses malformed ids and bad start options', async () => {
      const queue = await context.open(context.freshName());
      await expect(queue.enqueue({ operationId: 'bad id!', key: 'db-1' })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(queue.enqueue({ operationId: 'op-1', key: '' })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(() => queue.start(async () => ({ outcome: 'done' }), { concurrency: 0 })).toThrow(
        ValidationError,
      );
      expect(() => queue.start(async () => ({ outcome: 'done' }), { concurrency: 11 })).toThrow(
        ValidationError,
      );
      queue.start(async () => ({ outcome: 'done' }));
      expect(() => queue.start(async () => ({ outcome: 'done' }))).toThrow(EngineError);
    });
  });

  describe('lifecycle', () => {
    it('stop aborts running handlers, gives their jobs back, and runs nothing more', async () => {
      const storeName = context.freshName();
      const first = await context.open(storeName);
      const firstRecorder = new Recorder();
      first.start(
        firstRecorder.handler(
          'a',
          (_job, signal) =>
            new Promise((resolve) => {
              signal.addEventListener('abort', () => resolve({ outcome: 'retry' }), {
                once: true,
              });
            }),
        ),
      );
      await first.enqueue({ operationId: 'op-1', key: 'db-1' });
      await waitFor('op-1 to start', () => firstRecorder.started('op-1'));
      const stopStart = Date.now();
      await first.stop();
      expect(Date.now() - stopStart).toBeLessThan(10_000);
      expect(firstRecorder.runsOf('op-1')[0]!.signal.aborted).toBe(true);
      await first.enqueue({ operationId: 'op-2', key: 'db-2' });

      const second = await context.open(storeName);
      const secondRecorder = new Recorder(() => ({ outcome: 'done' }));
      const settled = new SettledLog();
      settled.watch(second, 'b');
      second.start(secondRecorder.handler('b'));
      await settled.waitFor(['op-1', 'op-2']);
      expect(firstRecorder.runs).toHaveLength(1);
      // An attempt interrupted by stop is not counted against the job.
      expect(secondRecorder.runsOf('op-1').map((run) => run.job.attempt)).toEqual([1]);
    });

    it('stop resolves within its bound even when a handler ignores its signal', async () => {
      const recorder = new Recorder();
      const { queue } = await started(recorder);
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await waitFor('op-1 to start', () => recorder.started('op-1'));
      const stopStart = Date.now();
      await queue.stop();
      expect(Date.now() - stopStart).toBeLessThanOrEqual(11_000);
      recorder.release('op-1');
    }, 20_000);

    it('starts again after stop', async () => {
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const { queue, settled } = await started(recorder);
      await queue.stop();
      queue.start(recorder.handler('a'));
      await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
      await settled.waitFor(['op-1']);
    });

    it('keeps queued jobs across close and reopen', async () => {
      const storeName = context.freshName();
      const first = await context.open(storeName);
      await first.enqueue({ operationId: 'op-1', key: 'db-1' });
      await first.enqueue({ operationId: 'op-2', key: 'db-1' });
      await first.close();
      const second = await context.open(storeName);
      expect((await second.counts()).queued).toBe(2);
      const recorder = new Recorder(() => ({ outcome: 'done' }));
      const settled = new SettledLog();
      settled.watch(second, 'b');
      second.start(recorder.handler('b'));
      await settled.waitFor(['op-1', 'op-2']);
      expect(recorder.order()).toEqual(['op-1', 'op-2']);
    });

    it('closes idempotently and refuses calls afterwards', async () => {
      const queue = await context.open(context.freshName());
      await queue.close();
      await queue.close();
      await expect(queue.enqueue({ operationId: 'op-1', key: 'db-1' })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await expect(queue.counts()).rejects.toBeInstanceOf(UnavailableError);
      expect(() => queue.start(async () => ({ outcome: 'done' }))).toThrow(UnavailableError);
    });
  });
}
