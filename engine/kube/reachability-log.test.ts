/**
 * How an unreachable cluster is logged: against the simulator over real HTTP, with several watch
 * caches of one cluster sharing one reachability log, and the log lines counted from pino's stream.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../../test/helpers/engine';
import { systemClock, UnavailableError } from '../base';
import { createLogger } from '../logging';
import { MANAGED_SELECTOR } from '../kubedb/types';
import { ClusterClient } from './cluster-client';
import { KubeApiError } from './http';
import { isUnreachable, ReachabilityLog } from './reachability-log';
import { WatchCache } from './watch-cache';

interface Line {
  level: number;
  msg: string;
  err?: unknown;
  reason?: string;
}

function collectingLogger() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(text) as Line);
      callback();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

let cluster: SimCluster | undefined;
const caches: WatchCache[] = [];
afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.dispose();
  await cluster?.stop();
  cluster = undefined;
});

describe('the reachability log', () => {
  it('logs an outage of a cluster once, with rate-limited reminders and no stacks, then its end', async () => {
    [cluster] = (await startClusters(1)) as [SimCluster];
    const { logger, lines } = collectingLogger();
    const clock = systemClock;
    const reachability = new ReachabilityLog({ logger, clock, reminderMs: 400 });
    const client = new ClusterClient(cluster.kubeconfig, 'sim-1');
    for (const kind of ['Secret', 'Service', 'Pod', 'ConfigMap']) {
      const cache = new WatchCache({
        client,
        apiVersion: 'v1',
        kind,
        labelSelector: MANAGED_SELECTOR,
        backoff: { initialMs: 20, maxMs: 60, factor: 2, jitter: 0 },
        clock,
        logger,
        reachability,
      });
      caches.push(cache);
      cache.start();
    }
    await waitFor(() => caches.every((cache) => cache.stats().state === 'watching'), 'watching');

    const before = lines.length;
    const requests = () => caches.reduce((sum, cache) => sum + cache.stats().requests, 0);
    const requestsBefore = requests();
    const startedAt = Date.now();
    cluster.faults.setUnreachable(true);
    // Dozens of failed requests, over more than two reminder periods.
    await waitFor(
      () => requests() >= requestsBefore + 60 && Date.now() - startedAt > 1_000,
      'many failed requests',
    );
    const elapsed = Date.now() - startedAt;
    const during = lines.slice(before);
    expect(during.filter((line) => line.msg === 'cluster unreachable')).toHaveLength(1);
    expect(during[0]).toMatchObject({ level: 40, msg: 'cluster unreachable' });
    expect(during[0]?.reason).toMatch(/unreachable/);
    const reminders = during.filter((line) => line.msg === 'cluster still unreachable');
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    expect(reminders.length).toBeLessThanOrEqual(Math.ceil(elapsed / 400));
    // Nothing else: no line per cache and per retry, and no stack anywhere.
    expect(during.length).toBe(1 + reminders.length);
    expect(JSON.stringify(during)).not.toContain('stack');

    cluster.faults.setUnreachable(false);
    await waitFor(
      () => lines.some((line) => line.msg === 'cluster reachable again'),
      'reachable again',
    );
    await waitFor(() => caches.every((cache) => cache.stats().state === 'watching'), 'back');
    expect(lines.filter((line) => line.msg === 'cluster reachable again')).toHaveLength(1);
    expect(reachability.unreachable).toBe(false);
  });

  it('tells a network failure from an answer of the server', () => {
    expect(isUnreachable(new UnavailableError('cluster x is unreachable (ECONNREFUSED)'))).toBe(
      true,
    );
    expect(isUnreachable(new KubeApiError(503, 'ServiceUnavailable', 'busy'))).toBe(false);
    expect(isUnreachable(new Error('boom'))).toBe(false);
  });
});
