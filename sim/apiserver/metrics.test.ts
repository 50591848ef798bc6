/**
 * metrics.k8s.io for pods whose database runs for real: a simulated cluster (API server + KubeDB
 * operator) whose `orders-0` and `cache-0` pods are backed by a real PostgreSQL 15 and Redis started
 * here. Memory must match what /proc says of the process; CPU must rise under pgbench load.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import {
  FixedDataPlane,
  startPostgres,
  startRedis,
  type TestServer,
} from '../dataplane/exporter-test-servers';
import { processTree } from '../dataplane/proc-metrics';
import { installCatalog, startOperator } from '../operator/index';
import { phaseOf, waitFor } from '../operator/test-support';
import { createKubeApiServer, type KubeApiServer } from './index';
import { call } from './testing';

const run = promisify(execFile);

let pg: TestServer;
let redis: TestServer;
let server: KubeApiServer;
let operator: { stop(): void };
let url: string;
let dir: string;

/** RSS of the process tree as `ps` reports it for the root process alone, bytes. */
async function psRss(pid: number): Promise<number> {
  const out = await run('ps', ['-o', 'rss=', '-p', String(pid)]);
  return Number(out.stdout.trim()) * 1024;
}

function dbObject(kind: string, name: string, version: string): KubeObject {
  return {
    apiVersion: 'kubedb.com/v1',
    kind,
    metadata: { name, namespace: 'demo' },
    spec: {
      version,
      replicas: 1,
      storage: { resources: { requests: { storage: '1Gi' } } },
      monitor: { agent: 'prometheus.io/builtin' },
      deletionPolicy: 'WipeOut',
    },
  };
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres('orders-0'), startRedis('cache-0')]);
  pg.info.database = 'orders';
  redis.info.database = 'cache';
  server = createKubeApiServer({ seed: 3, dataPlane: new FixedDataPlane([pg.info, redis.info]) });
  installCatalog(server.state);
  operator = startOperator(server.state, { speed: 200, seed: 3 });
  url = await server.listen(0);
  server.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  server.state.create(dbObject('Postgres', 'orders', '16.4'));
  server.state.create(dbObject('Redis', 'cache', '7.2.4'));
  await waitFor(
    () =>
      ['orders', 'cache'].every(
        (n) =>
          phaseOf(
            server.state.get('kubedb.com/v1', n === 'orders' ? 'Postgres' : 'Redis', 'demo', n),
          ) === 'Ready',
      ),
    'both databases Ready',
    30_000,
  );
  dir = mkdtempSync(join(tmpdir(), 'sim-metrics-'));
}, 90_000);

afterAll(async () => {
  operator?.stop();
  await server?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PodMetricsJson {
  window: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

async function podMetrics(pod: string): Promise<PodMetricsJson> {
  const r = await call(`${url}/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/${pod}`, 'GET');
  expect(r.status).toBe(200);
  return r.body as unknown as PodMetricsJson;
}

const nanocores = (cpu: string) => Number(cpu.replace(/n$/, ''));
const kib = (mem: string) => Number(mem.replace(/Ki$/, '')) * 1024;

describe('PodMetrics of real pods', () => {
  it('reports the memory of the real process, within 50% of its RSS in /proc', async () => {
    for (const s of [pg, redis]) {
      const m = await podMetrics(s.info.pod);
      const main = m.containers[0];
      expect(main?.name).toBe(s.info.engine === 'postgres' ? 'postgres' : 'redis');
      const rss = await psRss(s.info.pid ?? 0);
      const reported = kib(main?.usage.memory ?? '');
      expect(reported).toBeGreaterThan(rss * 0.5);
      expect(reported).toBeLessThan(rss * 1.5);
    }
    // A pod of a PostgreSQL tree: more than one process is counted (backends, checkpointer, ...).
    expect((await processTree(pg.info.pid ?? 0)).length).toBeGreaterThan(2);
  });

  it('shows the CPU of the process rise under load', async () => {
    const env = { PATH: '/usr/bin:/bin', PGPASSWORD: pg.info.password };
    const conn = ['-h', '127.0.0.1', '-p', String(pg.info.port), '-U', 'postgres'];
    await run('pgbench', ['-i', '-q', '-s', '1', ...conn, 'postgres'], { env });
    // Idle for a while (pgbench -i's own backends and the checkpoint after it are done), then the
    // rate over a window without load.
    await podMetrics('orders-0');
    let last = Date.now();
    await waitFor(() => Date.now() - last > 2500, 'a quiet moment', 4000);
    await podMetrics('orders-0');
    last = Date.now();
    await waitFor(() => Date.now() - last > 1500, 'an idle window', 3000);
    const idle = nanocores((await podMetrics('orders-0')).containers[0]?.usage.cpu ?? '');
    // Sample while the load runs, so the window holds live backends' CPU, not a reaped child's.
    const load = run(
      'pgbench',
      ['-S', '-T', '6', '-c', '2', '-j', '1', '-n', ...conn, 'postgres'],
      { env },
    );
    last = Date.now();
    await waitFor(() => Date.now() - last > 1500, 'the load to start', 3000);
    await podMetrics('orders-0');
    last = Date.now();
    await waitFor(() => Date.now() - last > 2500, 'a loaded window', 4000);
    const loaded = await podMetrics('orders-0');
    await load;
    const busy = nanocores(loaded.containers[0]?.usage.cpu ?? '');
    expect(busy).toBeGreaterThan(idle * 2);
    expect(busy).toBeGreaterThan(20_000_000); // pgbench keeps the server well above 20m
    expect(loaded.window).toMatch(/^\d+(\.\d+)?s$/);
  }, 60_000);

  it('lists real and simulated pods together, and kubectl top shows the real usage', async () => {
    const list = await call(`${url}/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods`, 'GET');
    const names = (list.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['orders-0', 'cache-0']));
    const kubeconfig = writeKubeconfig(url, dir);
    const top = await runKubectl(kubeconfig, ['top', 'pod', '-n', 'demo', '--containers']);
    expect(top.code, top.stderr).toBe(0);
    const row = top.stdout.split('\n').find((l) => /^cache-0\s+redis\s/.test(l)) ?? '';
    const mi = Number(/(\d+)Mi\s*$/.exec(row)?.[1]);
    const rssMi = (await psRss(redis.info.pid ?? 0)) / 1024 ** 2;
    expect(mi).toBeGreaterThanOrEqual(Math.floor(rssMi * 0.5));
    expect(mi).toBeLessThanOrEqual(Math.ceil(rssMi * 1.5));
    const plain = await runKubectl(kubeconfig, ['top', 'pod', 'orders-0', '-n', 'demo']);
    expect(plain.stdout).toMatch(/^orders-0\s+\d+m\s+\d+Mi\s*$/m);
  }, 60_000);
});
