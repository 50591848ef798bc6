/**
 * The cost of a real PostgreSQL streaming standby: the start time of a standby of an idle primary
 * (`pg_basebackup` + start until it streams), its RSS plus what the primary's WAL sender adds, the
 * replication lag that PostgreSQL itself reports (pg_stat_replication) under a small write load,
 * and the time until a Postgres is Ready through the operator with 1 and with 3 replicas.
 */
import { performance } from 'node:perf_hooks';
import type { InstanceSpec } from '../../sim/core/data-plane';
import { createDataPlane } from '../../sim/dataplane/index';
import { databaseManifest, DB_API, query } from '../../sim/dataplane/test-support';
import { startSimCluster } from '../../sim/index';

const mib = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

function spec(pod: string, standbyOf?: string): InstanceSpec {
  return {
    namespace: 'bench',
    kind: 'Postgres',
    database: 'pg',
    pod,
    engine: 'postgres',
    version: '15.5',
    user: 'postgres',
    password: 'bench-password',
    memoryLimitBytes: 512 * 1024 * 1024,
    ...(standbyOf ? { standbyOf } : {}),
  };
}

/** Start time, extra RSS and lag of standbys of one idle primary. */
async function supervised(loadSeconds: number): Promise<Record<string, unknown>> {
  const dataPlane = createDataPlane();
  try {
    const primary = await dataPlane.ensure(spec('pg-0'));
    const rss = async (pod: string): Promise<number> =>
      (await dataPlane.metrics('bench', pod))?.rssBytes ?? 0;
    await sleep(1000);
    const primaryIdle = await rss('pg-0');
    const starts: number[] = [];
    for (const pod of ['pg-1', 'pg-2']) {
      const t = performance.now();
      const info = await dataPlane.ensure(spec(pod, 'pg-0'));
      if (info.state !== 'running') throw new Error(`standby ${pod} is ${info.state}`);
      starts.push(Math.round(performance.now() - t));
    }
    await sleep(1000);
    const standbyRss = [await rss('pg-1'), await rss('pg-2')];
    const primaryWithTwo = await rss('pg-0');
    const at = `127.0.0.1:${primary.port}`;
    await query('postgres', at, primary, 'CREATE TABLE load (n int, at timestamptz, pad text)');
    // About 20 commits a second, each a row of 1 KiB, for loadSeconds.
    const rows = loadSeconds * 20;
    const load = query(
      'postgres',
      at,
      primary,
      `DO $$ BEGIN FOR i IN 1..${rows} LOOP INSERT INTO load VALUES (i, now(), repeat('x', 1024)); COMMIT; PERFORM pg_sleep(0.05); END LOOP; END $$`,
    );
    let done = false;
    void load.finally(() => (done = true));
    const lagMs: number[] = [];
    const lagBytes: number[] = [];
    while (!done) {
      const out = await query(
        'postgres',
        at,
        primary,
        'SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag) * 1000, 0)::int, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication',
      );
      for (const line of out.split('\n').filter(Boolean)) {
        const [ms = '0', bytes = '0'] = line.split('|');
        lagMs.push(Number(ms));
        lagBytes.push(Number(bytes));
      }
      await sleep(250);
    }
    await load;
    return {
      machineVersion: primary.machineVersion,
      standbyStartMs: starts,
      primaryIdleRssMiB: mib(primaryIdle),
      standbyIdleRssMiB: standbyRss.map(mib),
      primaryRssWithTwoStandbysMiB: mib(primaryWithTwo),
      extraRssPerStandbyMiB: mib(
        (standbyRss.reduce((a, b) => a + b, 0) + (primaryWithTwo - primaryIdle)) / 2,
      ),
      load: { commitsPerSecond: 20, rowBytes: 1024, seconds: loadSeconds, samples: lagMs.length },
      replayLagMs: {
        p50: percentile(lagMs, 50),
        p95: percentile(lagMs, 95),
        max: Math.max(...lagMs),
      },
      unreplayedWalBytes: { p50: percentile(lagBytes, 50), max: Math.max(...lagBytes) },
    };
  } finally {
    await dataPlane.close();
  }
}

/** Time until a Postgres is Ready through the operator, with 1 and with 3 replicas. */
async function throughOperator(): Promise<Record<string, number>> {
  const cluster = await startSimCluster({ speed: 20, dataPlane: 'real' });
  const out: Record<string, number> = {};
  try {
    cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    for (const replicas of [1, 3]) {
      const name = `pg-r${replicas}`;
      const t = performance.now();
      cluster.state.create(databaseManifest('Postgres', 'bench', name, { replicas }));
      const deadline = Date.now() + 180_000;
      const ready = (): boolean =>
        (cluster.state.get(DB_API, 'Postgres', 'bench', name)?.status as { phase?: string })
          ?.phase === 'Ready' &&
        (cluster.dataPlane?.list() ?? []).filter(
          (i) => i.database === name && i.state === 'running',
        ).length === replicas;
      while (!ready() && Date.now() < deadline) await sleep(50);
      if (!ready()) throw new Error(`${name} not Ready`);
      out[`readyWith${replicas}ReplicasMs`] = Math.round(performance.now() - t);
    }
  } finally {
    await cluster.stop();
  }
  return out;
}

/** The standby section of the data-plane benchmark. */
export async function standbyBench(loadSeconds = 10): Promise<Record<string, unknown>> {
  return { ...(await supervised(loadSeconds)), operator: await throughOperator() };
}
