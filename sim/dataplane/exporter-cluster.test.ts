/**
 * Metrics of the real data plane end to end: `startSimCluster({ dataPlane: 'real' })` with a
 * monitored Postgres, MySQL (MariaDB behind it) and Redis. PodMetrics carry the memory of the real
 * process tree, `<db>-stats` answers the exporter text read from the server through the service
 * proxy (kubectl get --raw too), and kubectl top pod shows the pods.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import { startSimCluster, type SimCluster } from '../index';
import { phaseOf, waitFor } from '../operator/test-support';
import { parsePrometheusText } from './exporter';
import { credentials, databaseManifest, DB_API, query } from './test-support';

const NS = 'mon';
const DBS = { Postgres: 'postgres', MySQL: 'mariadb', Redis: 'redis' } as const;
const PREFIX = { postgres: 'pg', mariadb: 'mysql', redis: 'redis' } as const;

let cluster: SimCluster;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'metrics-cluster-'));
  // PostgreSQL runs as the `postgres` user, which must reach its data folder below this one.
  chmodSync(workDir, 0o755);
  cluster = await startSimCluster({
    speed: 20,
    dataPlane: 'real',
    dataPlaneDir: join(workDir, 'dp'),
  });
  cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const kind of Object.keys(DBS)) {
    const db = databaseManifest(kind, NS, kind.toLowerCase());
    (db.spec as Record<string, unknown>).monitor = { agent: 'prometheus.io/builtin' };
    cluster.state.create(db);
  }
  await waitFor(
    () =>
      Object.keys(DBS).every(
        (kind) =>
          phaseOf(cluster.state.get(DB_API, kind, NS, kind.toLowerCase())) === 'Ready' &&
          cluster.dataPlane?.instance(NS, `${kind.toLowerCase()}-0`)?.state === 'running',
      ),
    'the databases Ready with running processes',
    90_000,
    50,
  ).catch((error: Error) => {
    const states = cluster.dataPlane?.list().map((i) => `${i.pod} ${i.state} ${i.message ?? ''}`);
    const phases = Object.keys(DBS).map(
      (k) => `${k} ${String(phaseOf(cluster.state.get(DB_API, k, NS, k.toLowerCase())))}`,
    );
    throw new Error(`${error.message}: ${JSON.stringify({ states, phases })}`);
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function get(path: string) {
  const res = await fetch(`${cluster.url}${path}`);
  return { status: res.status, text: await res.text() };
}

const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
  parsePrometheusText(text).samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

describe('metrics of a real data plane', () => {
  it.each(Object.entries(DBS))('%s: PodMetrics memory is the real RSS', async (kind) => {
    const pod = `${kind.toLowerCase()}-0`;
    const r = await get(`/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/${pod}`);
    expect(r.status).toBe(200);
    const m = JSON.parse(r.text) as { containers: { usage: { memory: string } }[] };
    const reported = Number(m.containers[0]?.usage.memory.replace(/Ki$/, '')) * 1024;
    const pid = cluster.dataPlane?.instance(NS, pod)?.pid ?? 0;
    const rss = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString()) * 1024;
    expect(reported).toBeGreaterThan(rss * 0.5);
    expect(reported).toBeLessThan(rss * 1.5);
  });

  it.each(Object.entries(DBS))(
    '%s: the stats service answers real exporter text',
    async (kind, engine) => {
      const name = kind.toLowerCase();
      const path = `/api/v1/namespaces/${NS}/services/${name}-stats:metrics/proxy/metrics`;
      const first = await get(path);
      expect(first.status, first.text).toBe(200);
      expect(sample(first.text, `${PREFIX[engine]}_up`), first.text).toBe(1);
      expect(sample(first.text, 'sim_simulated')).toBe(0);
      const addr = cluster.state.get('v1', 'Pod', NS, `${name}-0`)?.metadata.annotations?.[
        'sim.kubedb.dev/direct-address'
      ];
      const creds = credentials(cluster.state, NS, name);
      const counter = {
        postgres: ['pg_stat_database_xact_commit', { datname: 'postgres' }],
        mariadb: ['mysql_global_status_commands_total', { command: 'commit' }],
        redis: ['redis_commands_processed_total', {}],
      } as const;
      const [metric, labels] = counter[engine];
      const before = sample(first.text, metric, labels) ?? NaN;
      const write = {
        postgres: 'CREATE TABLE IF NOT EXISTS w (n int); INSERT INTO w VALUES (1)',
        mariadb:
          'CREATE DATABASE IF NOT EXISTS w; CREATE TABLE IF NOT EXISTS w.t (n int); BEGIN; INSERT INTO w.t VALUES (1); COMMIT',
        redis: 'SET written yes',
      }[engine];
      for (let i = 0; i < 3; i++) await query(engine, addr ?? '', creds, write);
      await waitFor(
        async () => (sample((await get(path)).text, metric, labels) ?? 0) >= before + 3,
        `${metric} to grow`,
        15_000,
        250,
      );
    },
    30_000,
  );

  it('kubectl reads the exporter through the proxy and kubectl top shows the pods', async () => {
    const kubeconfig = writeKubeconfig(cluster.url, join(workDir, 'kube'));
    const raw = await runKubectl(kubeconfig, [
      'get',
      '--raw',
      `/api/v1/namespaces/${NS}/services/redis-stats:56790/proxy/metrics`,
    ]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sample(raw.stdout, 'redis_up')).toBe(1);
    const top = await runKubectl(kubeconfig, ['top', 'pod', '-n', NS]);
    expect(top.code, top.stderr).toBe(0);
    for (const kind of Object.keys(DBS))
      expect(top.stdout).toMatch(
        new RegExp(`^${kind.toLowerCase()}-0\\s+\\d+m\\s+\\d+Mi\\s*$`, 'm'),
      );
  }, 30_000);
});
