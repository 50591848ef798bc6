/**
 * Benchmark of the real data plane on this machine: per engine the cold start (initialise the data
 * directory + start + credentials), the warm start (stop, start again) and the idle RSS of the
 * server's process group; then N real databases at once (a mix of Postgres, MySQL, MariaDB and
 * Redis) on a cluster started with `dataPlane: 'real'`: time until all are Ready, total RSS, and
 * the machine's available memory before and after; and the cost of PostgreSQL streaming standbys
 * (lib/standby-bench.ts). Prints one JSON object.
 *
 *   npm run bench:dataplane -- [--databases 20] [--only standby]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { RealEngine } from '../sim/core/data-plane';
import { createDataPlane } from '../sim/dataplane/index';
import { databaseManifest, DB_API, query } from '../sim/dataplane/test-support';
import { startSimCluster } from '../sim/index';
import { standbyBench } from './lib/standby-bench';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function memAvailableMiB(): number {
  const line = readFileSync('/proc/meminfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('MemAvailable:'));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
}

const mib = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;

async function perEngine(): Promise<Record<string, unknown>> {
  const dataPlane = createDataPlane();
  const out: Record<string, unknown> = {};
  try {
    for (const engine of ['postgres', 'mariadb', 'redis'] as RealEngine[]) {
      const spec = {
        namespace: 'bench',
        kind: engine === 'postgres' ? 'Postgres' : engine === 'redis' ? 'Redis' : 'MariaDB',
        database: engine,
        pod: `${engine}-0`,
        engine,
        version: 'any',
        user: engine === 'postgres' ? 'postgres' : engine === 'redis' ? 'default' : 'root',
        password: 'bench-password',
        memoryLimitBytes: 512 * 1024 * 1024,
      };
      let t = performance.now();
      const info = await dataPlane.ensure(spec);
      const coldMs = Math.round(performance.now() - t);
      const rss = (await dataPlane.metrics('bench', spec.pod))?.rssBytes ?? 0;
      await dataPlane.stop('bench', spec.pod);
      t = performance.now();
      await dataPlane.ensure(spec);
      const warmMs = Math.round(performance.now() - t);
      out[engine] = {
        machineVersion: info.machineVersion,
        state: info.state,
        coldStartMs: coldMs,
        warmStartMs: warmMs,
        idleRssMiB: mib(rss),
      };
    }
  } finally {
    await dataPlane.close();
  }
  return out;
}

async function many(count: number): Promise<Record<string, unknown>> {
  const kinds = ['Postgres', 'MySQL', 'MariaDB', 'Redis'];
  const before = memAvailableMiB();
  const cluster = await startSimCluster({ speed: 20, dataPlane: 'real' });
  try {
    cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const names: [string, string][] = [];
    const t = performance.now();
    for (let i = 0; i < count; i++) {
      const kind = kinds[i % kinds.length] as string;
      const name = `${kind.toLowerCase()}-${i}`;
      names.push([kind, name]);
      cluster.state.create(databaseManifest(kind, 'bench', name));
    }
    const deadline = Date.now() + 300_000;
    const ready = (): number =>
      names.filter(
        ([kind, name]) =>
          (cluster.state.get(DB_API, kind, 'bench', name)?.status as { phase?: string })?.phase ===
          'Ready',
      ).length;
    while (ready() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const allReadyMs = Math.round(performance.now() - t);
    const instances = cluster.dataPlane?.list() ?? [];
    let rss = 0;
    for (const i of instances)
      rss += (await cluster.dataPlane?.metrics(i.namespace, i.pod))?.rssBytes ?? 0;
    let answered = 0;
    for (const i of instances) {
      const statement = i.engine === 'redis' ? 'PING' : 'SELECT 1';
      const out = await query(i.engine, `${i.host}:${i.port}`, i, statement).catch(() => '');
      if (out === 'PONG' || out === '1') answered++;
    }
    const byEngine: Record<string, number> = {};
    for (const i of instances) byEngine[i.engine] = (byEngine[i.engine] ?? 0) + 1;
    return {
      databases: count,
      ready: ready(),
      running: instances.filter((i) => i.state === 'running').length,
      answered,
      byEngine,
      allReadyMs,
      totalRssMiB: mib(rss),
      memAvailableBeforeMiB: before,
      memAvailableWithAllMiB: memAvailableMiB(),
    };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const count = arg('databases', 20);
  const only = process.argv.includes('--only')
    ? process.argv[process.argv.indexOf('--only') + 1]
    : '';
  const result: Record<string, unknown> = {};
  if (!only || only === 'engines') result.perEngine = await perEngine();
  if (!only || only === 'together') result.together = await many(count);
  if (!only || only === 'standby') result.standby = await standbyBench();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`dataplane-bench failed: ${String(error)}\n`);
  process.exit(1);
});
