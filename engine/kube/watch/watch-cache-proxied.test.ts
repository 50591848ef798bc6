/**
 * The watch cache seen from the wire: a small forwarding proxy in front of the simulator records
 * every request the cache sends (to check pacing and silence after dispose) and can refuse watches
 * with 403, which the simulator itself has no RBAC to do.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../../sim/index';
import { startClusters, waitFor } from '../../../test/helpers/engine';
import { MANAGED_SELECTOR, type KubeObject } from '../../kubedb/types';
import { ClusterClient } from '../cluster-client';
import { WatchCache, type CacheEvent, type WatchCacheOptions } from '../watch-cache';

interface Proxy {
  url: string;
  /** Arrival time of every request, watch or not, and the lifetime a watch asked for. */
  requests: { at: number; watch: boolean; timeoutSeconds?: number }[];
  forbidWatch: boolean;
  openWatches: number;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const watch = url.searchParams.get('watch') === 'true';
    const timeout = url.searchParams.get('timeoutSeconds');
    proxy.requests.push({
      at: Date.now(),
      watch,
      ...(timeout === null ? {} : { timeoutSeconds: Number(timeout) }),
    });
    if (watch && proxy.forbidWatch) {
      const status = {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: 'watch is forbidden',
      };
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(status));
      return;
    }
    if (watch) proxy.openWatches++;
    res.on('close', () => {
      if (watch) proxy.openWatches--;
    });
    const upstream = http.request(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // A watch's headers must pass at once, as the API server sends them, not with the first event.
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    forbidWatch: false,
    openWatches: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  return proxy;
}

const LABELS = { 'app.kubernetes.io/managed-by': 'kubedb-dbaas' };
let cluster: SimCluster;
let proxy: Proxy;
const caches: WatchCache[] = [];

beforeEach(async () => {
  [cluster] = (await startClusters(1, 200)) as [SimCluster];
  proxy = await startProxy(cluster.url);
});

afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.dispose();
  await proxy.close();
  await cluster.stop();
});

function createSecret(name: string): void {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', labels: LABELS },
  };
  cluster.state.create(object as never, { skipAdmission: true });
}

function startCache(options: Partial<WatchCacheOptions> = {}): {
  cache: WatchCache;
  events: CacheEvent[];
} {
  const client = new ClusterClient(cluster.kubeconfig.replace(cluster.url, proxy.url), 'sim-1');
  const cache = new WatchCache({
    client,
    apiVersion: 'v1',
    kind: 'Secret',
    labelSelector: MANAGED_SELECTOR,
    ...options,
  });
  const events: CacheEvent[] = [];
  cache.on((event) => events.push(event));
  caches.push(cache);
  cache.start();
  return { cache, events };
}

/** Gaps in ms between consecutive requests that arrived after `since`. */
function gapsSince(since: number): number[] {
  const times = proxy.requests
    .filter((request) => request.at >= since)
    .map((request) => request.at);
  return times.slice(1).map((at, i) => at - (times[i] as number));
}

describe('WatchCache on the wire', () => {
  it('polls in pages and reports degraded when watching is forbidden, and watches again once allowed', async () => {
    proxy.forbidWatch = true;
    createSecret('first');
    const { cache, events } = startCache({ pollIntervalMs: 100, pageSize: 2 });

    await waitFor(() => cache.stats().state === 'degraded', 'STATE degraded');
    expect(cache.synced).toBe(true);
    expect(events).toContainEqual({
      type: 'STATE',
      state: 'degraded',
      reason: 'watching is forbidden; polling',
    });
    createSecret('second');
    createSecret('third');
    await waitFor(() => cache.get('default', 'third'), 'a poll to see the new objects');
    cluster.state.delete('v1', 'Secret', 'default', 'first');
    await waitFor(
      () =>
        events.some((event) => event.type === 'DELETED' && event.object.metadata.name === 'first'),
      'the deletion',
    );
    expect(cache.stats().polls).toBeGreaterThan(0);

    proxy.forbidWatch = false;
    await waitFor(
      () => cache.stats().state === 'watching',
      'the watch after permissions came back',
      10_000,
    );
    createSecret('fourth');
    await waitFor(() => cache.get('default', 'fourth'), 'a change over the watch');
  });

  it('waits at least Retry-After between requests answered 429', async () => {
    const { cache } = startCache({ backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 } });
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    const since = Date.now();
    cluster.faults.setErrors({ rate: 1, statuses: [429], retryAfterSeconds: 1 });
    cluster.faults.dropWatchesEvery(0.1);

    await waitFor(() => gapsSince(since).length >= 3, 'three refused requests', 10_000);
    cluster.faults.reset();

    // The first request follows the dropped watch at once; every refusal is followed by a pause.
    for (const gap of gapsSince(since).slice(0, 3)) expect(gap).toBeGreaterThanOrEqual(950);
    createSecret('after-429');
    await waitFor(() => cache.get('default', 'after-429'), 'recovery');
  });

  it('backs off exponentially up to its cap while every request fails', async () => {
    const backoff = { initialMs: 100, maxMs: 400, factor: 2, jitter: 0.5 };
    const { cache } = startCache({ backoff, random: () => 1 });
    await waitFor(() => cache.stats().state === 'watching', 'the watch to open');
    const since = Date.now();
    cluster.faults.setErrors({ rate: 1, statuses: [500] });
    cluster.faults.dropWatchesEvery(0.1);

    await waitFor(() => gapsSince(since).length >= 6, 'six failed requests', 10_000);
    cluster.faults.reset();
    const gaps = gapsSince(since).slice(0, 5);
    // 100, 200, 400, 400, 400 ms (no jitter drawn); timers fire late under load, never early.
    [100, 200, 400, 400, 400].forEach((expected, i) =>
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5),
    );
    // Without the cap the last two would be 800 and 1,600 ms.
    expect(Math.max(...gaps.slice(3))).toBeLessThan(800);
  });

  it('sends nothing more and closes its watch once disposed', async () => {
    const { cache, events } = startCache({
      backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0.5 },
    });
    await waitFor(
      () => cache.stats().state === 'watching' && proxy.openWatches === 1,
      'an open watch',
    );
    await cache.dispose();

    await waitFor(() => proxy.openWatches === 0, 'the watch to close');
    expect(events.at(-1)).toEqual({ type: 'STATE', state: 'stopped' });
    expect(cache.stats().state).toBe('stopped');
  });

  it('stops retrying when disposed during a backoff', async () => {
    const { cache } = startCache({
      backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0.5 },
    });
    await waitFor(() => cache.synced, 'the first list');
    cluster.faults.setErrors({ rate: 1, statuses: [500] });
    cluster.faults.dropWatchesEvery(0.1);
    await waitFor(() => cache.stats().state === 'backoff', 'STATE backoff');
    await cache.dispose();
    const sent = proxy.requests.length;

    // Several backoff caps long: a live cache would have retried a few times by the deadline.
    const deadline = Date.now() + 500;
    await waitFor(() => Date.now() >= deadline, 'the observation window', 1_000);
    expect(proxy.requests.length).toBe(sent);
  });

  it('asks for a watch lifetime between its minimum and twice that, as its jitter draws', async () => {
    for (const draw of [0, 0.5, 0.999]) startCache({ random: () => draw });
    await waitFor(
      () => proxy.requests.filter((request) => request.watch).length === 3,
      'three open watches',
    );
    const lifetimes = proxy.requests
      .filter((request) => request.watch)
      .map((request) => request.timeoutSeconds)
      .sort((a, b) => (a ?? 0) - (b ?? 0));
    // Caches started together reopen spread over ten minutes, not in one wave.
    expect(lifetimes).toEqual([600, 900, 1199]);
  });
});
