import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import { call, startServer, waitFor, type RunningServer } from './testing';

let running: RunningServer | undefined;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sim-faults-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

function clients(url: string): { kc: k8s.KubeConfig; core: k8s.CoreV1Api } {
  const kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'sim', server: url, skipTLSVerify: true },
    { name: 'sim', token: 'x' },
  );
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api) };
}

async function failure(
  p: Promise<unknown>,
): Promise<{ code?: number; headers?: Record<string, string>; body?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: number; headers?: Record<string, string>; body?: string; message: string };
  }
  throw new Error('expected the call to fail');
}

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
});

describe('API server faults seen by real clients', () => {
  it('delays answers by the configured latency', async () => {
    running = await startServer();
    const { core } = clients(running.url);
    running.server.faults.setLatency(200, 20);
    const t0 = Date.now();
    await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(175);
    running.server.faults.setLatency(0);
    const t1 = Date.now();
    await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it('fails matching requests with 429 and Retry-After, 503 and 500, by verb and path prefix', async () => {
    running = await startServer();
    const { core } = clients(running.url);
    running.server.faults.setErrors({
      rate: 1,
      statuses: [429],
      verbs: ['list'],
      pathPrefix: '/api/v1/namespaces/default/configmaps',
      retryAfterSeconds: 3,
    });
    const tooMany = await failure(core.listNamespacedConfigMap({ namespace: 'default' }));
    expect(tooMany.code).toBe(429);
    expect(tooMany.headers?.['retry-after']).toBe('3');
    expect(JSON.parse(tooMany.body ?? '{}')).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 3 },
    });
    await core.listNamespacedSecret({ namespace: 'default' });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'ok' } },
    });
    running.server.faults.setErrors({ rate: 1, statuses: [503] });
    const unavailable = await failure(core.listNamespacedSecret({ namespace: 'default' }));
    expect(unavailable.code).toBe(503);
    expect(JSON.parse(unavailable.body ?? '{}')).toMatchObject({ reason: 'ServiceUnavailable' });
    running.server.faults.setErrors({ rate: 1, statuses: [500] });
    const kubeconfig = writeKubeconfig(running.url, join(dir, 'errors'));
    const k = await runKubectl(kubeconfig, ['get', 'configmaps', '--request-timeout=5s']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('InternalError');
    running.server.faults.setErrors({ rate: 0.5, statuses: [500] });
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      if ((await call(`${running.url}/api/v1/namespaces/default/configmaps`, 'GET')).status === 500)
        failed++;
    }
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
  });

  it('ends open watches when told to drop them and on a 410 for the next watch', async () => {
    running = await startServer();
    const { kc } = clients(running.url);
    const w = new k8s.Watch(kc);
    let ended: unknown = 'open';
    await w.watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      () => undefined,
      (err: unknown) => {
        ended = err;
      },
    );
    running.server.faults.dropWatchesEvery(0.1);
    await waitFor(() => ended !== 'open', 5000, 'watch dropped');
    expect(ended).toBeNull();
    running.server.faults.dropWatchesEvery(null);
    running.server.faults.failNextWatchWithGone();
    let gone: { statusCode?: number } | undefined;
    await w.watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      () => undefined,
      (err) => (gone = err as { statusCode?: number }),
    );
    await waitFor(() => gone, 5000, 'the 410');
    expect(gone?.statusCode).toBe(410);
  });

  it('keeps silent watches open without events or bookmarks', async () => {
    running = await startServer({ bookmarkIntervalMs: 20 });
    const { kc } = clients(running.url);
    const events: string[] = [];
    const w = new k8s.Watch(kc);
    const ctrl = await w.watch(
      '/api/v1/namespaces/default/configmaps',
      { allowWatchBookmarks: true },
      (type) => events.push(type),
      () => undefined,
    );
    await waitFor(() => events.includes('BOOKMARK'), 5000, 'a bookmark');
    running.server.faults.silentWatches(true);
    events.length = 0;
    running.server.state.create(cm('quiet'));
    // A real watch would have delivered the ADDED and several bookmarks by the time this configmap is listed.
    const seen = await waitFor(
      async () =>
        (await call(`${running?.url}/api/v1/namespaces/default/configmaps/quiet`, 'GET')).status ===
        200,
    );
    expect(seen).toBe(true);
    // A bounded observation window (five bookmark intervals) in which nothing may arrive.
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
    running.server.faults.silentWatches(false);
    running.server.state.create(cm('loud'));
    await waitFor(() => events.includes('ADDED'), 5000, 'events after silence');
    ctrl.abort();
  });

  it('makes the server unreachable, ending watches, and reachable again', async () => {
    running = await startServer();
    const { kc, core } = clients(running.url);
    await core.listNamespacedConfigMap({ namespace: 'default' });
    let ended: unknown = 'open';
    await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      () => undefined,
      (err: unknown) => {
        ended = err;
      },
    );
    running.server.faults.setUnreachable(true);
    await waitFor(() => ended !== 'open', 5000, 'watch ended');
    const err = await failure(core.listNamespacedConfigMap({ namespace: 'default' }));
    expect(typeof err.code).not.toBe('number');
    expect(err.message).toMatch(/socket hang up|ECONNRESET|other side closed|ECONNREFUSED/);
    // Plain fetch (no retries) sees the connection destroyed as well.
    await expect(fetch(`${running.url}/api/v1/namespaces`)).rejects.toThrow();
    running.server.faults.setUnreachable(false);
    await core.listNamespacedConfigMap({ namespace: 'default' });
  });

  it('switches faults over HTTP and delegates other /_sim/ routes to the admin handler', async () => {
    running = await startServer();
    const { url, server } = running;
    expect(
      (await call(`${url}/_sim/faults`, 'POST', { latencyMs: 50, jitterMs: 10 })).body,
    ).toMatchObject({ latencyMs: 50, jitterMs: 10 });
    await call(`${url}/_sim/faults`, 'POST', {
      errors: { rate: 1, statuses: [503], verbs: ['get'] },
    });
    expect((await call(`${url}/api/v1/namespaces/default`, 'GET')).status).toBe(503);
    await call(`${url}/_sim/faults`, 'POST', {
      goneOnNextWatch: true,
      silentWatches: true,
      dropWatchesEverySeconds: 5,
    });
    expect((await call(`${url}/_sim/faults`, 'GET')).body).toMatchObject({
      goneOnNextWatch: true,
      silentWatches: true,
      dropWatchesEverySeconds: 5,
    });
    await call(`${url}/_sim/faults`, 'POST', { reset: true });
    expect((await call(`${url}/_sim/faults`, 'GET')).body).toMatchObject({
      latencyMs: 0,
      errors: null,
      silentWatches: false,
      goneOnNextWatch: false,
      dropWatchesEverySeconds: null,
    });
    expect((await call(`${url}/_sim/faults`, 'POST', { nonsense: 1 })).status).toBe(400);
    expect((await call(`${url}/_sim/operator/crash`, 'POST', {})).status).toBe(404);
    server.setAdminHandler(async (method, path, body) =>
      path === '/_sim/operator/crash' ? { status: 200, body: { method, body } } : undefined,
    );
    expect((await call(`${url}/_sim/operator/crash`, 'POST', { pod: 'x' })).body).toEqual({
      method: 'POST',
      body: { pod: 'x' },
    });
  });
});
