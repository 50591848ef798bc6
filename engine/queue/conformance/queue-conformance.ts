import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, UnavailableError } from '../../base/errors';
import type { QueueStartOptions } from '../index';
import {
  Recorder,
  startQueue,
  waitFor,
  type CrashableOperationQueue,
  type QueueSuiteContext,
} from './harness';
import { runLifecycleConformance } from './lifecycle-conformance';
import { runRecoveryConformance } from './recovery-conformance';

export type { CrashableOperationQueue, QueueSuiteContext } from './harness';

/** How `open` configures its instances; the suite waits on these times. */
export interface QueueConformanceTiming {
  /** The lease every opened instance uses. Default 1000 ms. */
  leaseMs?: number;
}

const FAST_BACKOFF = { initialMs: 50, maxMs: 400, factor: 2, jitter: 0 };

/**
 * The behaviour every OperationQueue must show. `open(name)` opens an instance on the backing
 * store named `name` (a file, a Redis prefix): a new name is empty, the same name is shared.
 */
export function runQueueConformance(
  name: string,
  open: (name: string) => Promise<CrashableOperationQueue>,
  timing: QueueConformanceTiming = {},
): void {
  describe(`${name} queue conformance`, () => {
    const opened: CrashableOperationQueue[] = [];
    let counter = 0;
    const context: QueueSuiteContext = {
      open: async (storeName) => {
        const queue = await open(storeName);
        opened.push(queue);
        return queue;
      },
      freshName: () => `q${Date.now().toString(36)}-${(counter += 1)}`,
      leaseMs: timing.leaseMs ?? 1000,
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    const started = (recorder: Recorder, options?: QueueStartOptions) =>
      startQueue(context, recorder, options);

    describe('delivery', () => {
      it('runs an enqueued job once and settles it done', async () => {
        const recorder = new Recorder(() => ({ outcome: 'done' }));
        const before = Date.now();
        const { queue, settled } = await started(recorder);
        await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
        await settled.waitFor(['op-1']);
        expect(settled.of('op-1')).toEqual([
          { operationId: 'op-1', outcome: 'done', attempts: 1, instance: 'a' },
        ]);
        const [run] = recorder.runsOf('op-1');
        expect(run?.job).toMatchObject({ operationId: 'op-1', key: 'db-1', attempt: 1 });
        expect(run!.job.enqueuedAt).toBeGreaterThanOrEqual(before - 1000);
        expect(recorder.runs).toHaveLength(1);
        await waitFor('counts to drain', async () => isZero(await queue.counts()));
      });

      it('runs the jobs of one key one at a time, in enqueue order', async () => {
        // Probes on another key run at once: once a later probe has run, the queue has had every
        // chance to (wrongly) start the next job of the busy key.
        const recorder = new Recorder((job) =>
          job.key === 'db-probe' ? { outcome: 'done' } : undefined,
        );
        const { queue, settled } = await started(recorder, { concurrency: 3 });
        const ids = ['op-1', 'op-2', 'op-3', 'op-4'];
        for (const id of ids) await queue.enqueue({ operationId: id, key: 'db-1' });
        for (const [index, id] of ids.entries()) {
          await waitFor(`${id} to start`, () => recorder.started(id));
          await queue.enqueue({ operationId: `probe-${index}`, key: 'db-probe' });
          await settled.waitFor([`probe-${index}`]);
          expect(recorder.runs.filter((run) => run.job.key === 'db-1')).toHaveLength(index + 1);
          recorder.release(id);
        }
        await settled.waitFor(ids);
        expect(recorder.order().filter((id) => id.startsWith('op-'))).toEqual(ids);
        expect(recorder.maxRunningPerKey).toBe(1);
        const keyRuns = recorder.runs.filter((run) => run.job.key === 'db-1');
        for (const [index, run] of keyRuns.entries()) {
          const previous = keyRuns[index - 1];
          if (previous) expect(run.startedAt).toBeGreaterThanOrEqual(previous.endedAt!);
        }
      });

      it('runs jobs of different keys in parallel, never more than the concurrency', async () => {
        const recorder = new Recorder();
        const { queue, settled } = await started(recorder, { concurrency: 2 });
        const ids = ['op-1', 'op-2', 'op-3', 'op-4'];
        for (const [index, id] of ids.entries())
          await queue.enqueue({ operationId: id, key: `db-${index}` });
        await waitFor('two jobs to run at once', () => recorder.runs.length === 2);
        await waitFor(
          'counts to show two running',
          async () => (await queue.counts()).running === 2,
        );
        expect((await queue.counts()).queued).toBe(2);
        for (const id of ids) {
          await waitFor(`${id} to start`, () => recorder.started(id));
          recorder.release(id);
        }
        await settled.waitFor(ids);
        expect(recorder.maxRunning).toBe(2);
        expect(recorder.runs).toHaveLength(4);
      });

      it('keeps per-key order while other keys proceed', async () => {
        const recorder = new Recorder();
        const { queue, settled } = await started(recorder, { concurrency: 3 });
        await queue.enqueue({ operationId: 'a-1', key: 'db-a' });
        await queue.enqueue({ operationId: 'a-2', key: 'db-a' });
        await queue.enqueue({ operationId: 'b-1', key: 'db-b' });
        await waitFor(
          'a-1 and b-1 to start',
          () => recorder.started('a-1') && recorder.started('b-1'),
        );
        recorder.release('b-1');
        await settled.waitFor(['b-1']);
        expect(recorder.started('a-2')).toBe(false);
        recorder.release('a-1');
        await waitFor('a-2 to start', () => recorder.started('a-2'));
        recorder.release('a-2');
        await settled.waitFor(['a-1', 'a-2']);
        expect(recorder.maxRunningPerKey).toBe(1);
      });
    });

    describe('retries', () => {
      it('retries a throwing handler with backoff, counting attempts, then settles failed', async () => {
        const recorder = new Recorder(() => {
          throw new Error('connection reset by peer at secret-host');
        });
        const { queue, settled } = await started(recorder, {
          maxAttempts: 3,
          backoff: FAST_BACKOFF,
        });
        await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
        await settled.waitFor(['op-1']);
        const runs = recorder.runsOf('op-1');
        expect(runs.map((run) => run.job.attempt)).toEqual([1, 2, 3]);
        // backoffDelay with no jitter: 50 ms after the first attempt, 100 ms after the second.
        expect(runs[1]!.startedAt - runs[0]!.endedAt!).toBeGreaterThanOrEqual(45);
        expect(runs[2]!.startedAt - runs[1]!.endedAt!).toBeGreaterThanOrEqual(95);
        const [event] = settled.of('op-1');
        expect(event).toMatchObject({ outcome: 'failed', attempts: 3 });
        expect(event!.reason).toMatch(/3 attempts/);
        expect(event!.reason).not.toMatch(/secret-host/);
      });

      it('retries after the delay a retry result asks for, shown as delayed meanwhile', async () => {
        const recorder = new Recorder((job) =>
          job.attempt === 1 ? { outcome: 'retry', delayMs: 300 } : { outcome: 'done' },
        );
        const { queue, settled } = await started(recorder, { backoff: FAST_BACKOFF });
        await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
        await waitFor('the first attempt', () => recorder.started('op-1'));
        await waitFor(
          'the job to wait as delayed',
          async () => (await queue.counts()).delayed === 1,
        );
        await settled.waitFor(['op-1']);
        const runs = recorder.runsOf('op-1');
        expect(runs.map((run) => run.job.attempt)).toEqual([1, 2]);
        expect(runs[1]!.startedAt - runs[0]!.endedAt!).toBeGreaterThanOrEqual(290);
        expect(settled.of('op-1')).toMatchObject([{ outcome: 'done', attempts: 2 }]);
      });

      it('retries a retryable EngineError and holds the key during the delay', async () => {
        const recorder = new Recorder((job) => {
          if (job.operationId === 'op-1' && job.attempt === 1)
            throw new UnavailableError('cluster unreachable');
          return { outcome: 'done' };
        });
        const { queue, settled } = await started(recorder, {
          backoff: { ...FAST_BACKOFF, initialMs: 200 },
        });
        await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
        await queue.enqueue({ operationId: 'op-2', key: 'db-1' });
        await settled.waitFor(['op-1', 'op-2']);
        expect(recorder.order()).toEqual(['op-1', 'op-1', 'op-2']);
        expect(settled.of('op-1')).toMatchObject([{ outcome: 'done', attempts: 2 }]);
      });

      it('does not retry a terminal EngineError or a failed result', async () => {
        const recorder = new Recorder((job) => {
          if (job.operationId === 'op-1')
            throw new EngineError('UNPROCESSABLE', 'the webhook refused it', { terminal: true });
          return { outcome: 'failed', reason: 'the OpsRequest failed' };
        });
        const { queue, settled } = await started(recorder, { backoff: FAST_BACKOFF });
        await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
        await queue.enqueue({ operationId: 'op-2', key: 'db-2' });
        await settled.waitFor(['op-1', 'op-2']);
        expect(recorder.runs).toHaveLength(2);
        expect(settled.of('op-1')[0]).toMatchObject({ outcome: 'failed', attempts: 1 });
        expect(settled.of('op-1')[0]!.reason).toMatch(/the webhook refused it/);
        expect(settled.of('op-2')[0]).toMatchObject({
          outcome: 'failed',
          attempts: 1,
          reason: 'the OpsRequest failed',
        });
      });
    });

    runLifecycleConformance(context);
    runRecoveryConformance(context);
  });
}

function isZero(counts: { queued: number; running: number; delayed: number }): boolean {
  return counts.queued === 0 && counts.running === 0 && counts.delayed === 0;
}
