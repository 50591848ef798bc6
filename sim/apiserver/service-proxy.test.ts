/**
 * The exporter endpoint through the service proxy, in a simulated cluster (API server + KubeDB
 * operator) whose `orders` Postgres and `shop` MariaDB run for real (servers started here) and whose
 * `sim-pg` Postgres is simulated. All three have `spec.monitor`, so the operator made `<db>-stats`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import { parsePrometheusText } from '../dataplane/exporter';
import {
  FixedDataPlane,
  startMariadb,
  startPostgres,
  type TestServer,
} from '../dataplane/exporter-test-servers';
import { installCatalog, startOperator } from '../operator/index';
import { phaseOf, waitFor } from '../operator/test-support';
import { createKubeApiServer, type KubeApiServer } from './index';

let pg: TestServer;
let my: TestServer;
let server: KubeApiServer;
let operator: { stop(): void };
let url: string;
let dir: string;

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

const DBS: [kind: string, name: string, version: string][] = [
  ['Postgres', 'orders', '16.4'],
  ['MariaDB', 'shop', '10.11.6'],
  ['Postgres', 'sim-pg', '16.4'],
];

beforeAll(async () => {
  [pg, my] = await Promise.all([startPostgres('orders-0'), startMariadb('shop-0')]);
  pg.info.database = 'orders';
  my.info.database = 'shop';
  server = createKubeApiServer({ seed: 5, dataPlane: new FixedDataPlane([pg.info, my.info]) });
  installCatalog(server.state);
  operator = startOperator(server.state, { speed: 200, seed: 5 });
  url = await server.listen(0);
  server.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  for (const [kind, name, version] of DBS) server.state.create(dbObject(kind, name, version));
  await waitFor(
    () =>
      DBS.every(
        ([kind, name]) =>
          phaseOf(server.state.get('kubedb.com/v1', kind, 'demo', name)) === 'Ready',
      ),
    'the databases Ready',
    30_000,
  );
  dir = mkdtempSync(join(tmpdir(), 'sim-proxy-'));
}, 90_000);

afterAll(async () => {
  operator?.stop();
  await server?.close();
  await Promise.all([pg?.stop(), my?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scrape(service: string) {
  const res = await fetch(`${url}/api/v1/namespaces/demo/services/${service}/proxy/metrics`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text };
}

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const s = parsePrometheusText(text).samples.find(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  if (!s) throw new Error(`no ${name} in\n${text}`);
  return s.value;
}

describe('service proxy to the exporter', () => {
  it('serves real PostgreSQL counters that grow after writes', async () => {
    const first = await scrape('orders-stats:metrics');
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(first.text, 'sim_simulated')).toBe(0);
    expect(value(first.text, 'pg_up')).toBe(1);
    expect(parsePrometheusText(first.text).types.get('pg_stat_database_xact_commit')).toBe(
      'counter',
    );
    const before = value(first.text, 'pg_stat_database_xact_commit', { datname: 'postgres' });
    await pg.client('CREATE TABLE t (v int); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);');
    for (let i = 0; i < 5; i++) await pg.client(`INSERT INTO t VALUES (${i})`);
    // PostgreSQL 15 flushes backend statistics at most once a second.
    const after = await waitFor(
      async () => {
        const v = value((await scrape('orders-stats')).text, 'pg_stat_database_xact_commit', {
          datname: 'postgres',
        });
        return v >= before + 5 ? v : undefined;
      },
      'xact_commit to grow',
      15_000,
      200,
    );
    expect(after).toBeGreaterThanOrEqual(before + 5);
    expect(
      value(first.text, 'pg_stat_database_numbackends', { datname: 'postgres' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('serves real MariaDB status counters (commits, threads)', async () => {
    const first = await scrape('http:shop-stats:56790');
    expect(first.status).toBe(200);
    expect(value(first.text, 'mysql_up')).toBe(1);
    const commits = value(first.text, 'mysql_global_status_commands_total', { command: 'commit' });
    await my.client(
      'CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.t (v int) ENGINE=InnoDB; BEGIN; INSERT INTO app.t VALUES (1); COMMIT; BEGIN; INSERT INTO app.t VALUES (2); COMMIT;',
    );
    const now = await waitFor(
      async () => {
        const text = (await scrape('shop-stats')).text;
        const v = value(text, 'mysql_global_status_commands_total', { command: 'commit' });
        return v >= commits + 2 ? text : undefined;
      },
      'Com_commit to grow',
      5000,
      200,
    );
    expect(value(now, 'mysql_global_status_threads_connected')).toBeGreaterThanOrEqual(1);
    expect(value(now, 'mysql_global_status_questions')).toBeGreaterThan(
      value(first.text, 'mysql_global_status_questions'),
    );
  });

  it('labels a simulated database sim_simulated 1', async () => {
    const r = await scrape('sim-pg-stats');
    expect(r.status).toBe(200);
    expect(value(r.text, 'sim_simulated')).toBe(1);
    expect(value(r.text, 'pg_stat_database_xact_commit', { datname: 'postgres' })).toBeGreaterThan(
      -1,
    );
  });

  it('answers the real API server errors for other ports, paths and services', async () => {
    const port = await fetch(`${url}/api/v1/namespaces/demo/services/orders:5432/proxy/metrics`);
    expect(port.status).toBe(503);
    expect(((await port.json()) as { message: string }).message).toContain(
      'error trying to reach service',
    );
    const missing = await fetch(`${url}/api/v1/namespaces/demo/services/nope/proxy/metrics`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(
      'services "nope" not found',
    );
    const badPort = await fetch(`${url}/api/v1/namespaces/demo/services/orders-stats:99/proxy/`);
    expect(badPort.status).toBe(503);
    const other = await fetch(`${url}/api/v1/namespaces/demo/services/orders-stats/proxy/`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('404 page not found\n');
    // No Ready pod behind the Service: the real "no endpoints available".
    server.state.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lonely', namespace: 'demo' },
      spec: { selector: { app: 'none' }, ports: [{ name: 'metrics', port: 56790 }] },
    });
    const lonely = await fetch(`${url}/api/v1/namespaces/demo/services/lonely/proxy/metrics`);
    expect(lonely.status).toBe(503);
    expect(((await lonely.json()) as { message: string }).message).toBe(
      'no endpoints available for service "lonely"',
    );
  });

  it('works with kubectl get --raw and never shows a password', async () => {
    const kubeconfig = writeKubeconfig(url, dir);
    const r = await runKubectl(kubeconfig, [
      'get',
      '--raw',
      '/api/v1/namespaces/demo/services/orders-stats:metrics/proxy/metrics',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(value(r.stdout, 'pg_up')).toBe(1);
    for (const text of [r.stdout, (await scrape('shop-stats')).text]) {
      expect(text).not.toContain(pg.info.password);
      expect(text).not.toContain(my.info.password);
    }
  });
});
