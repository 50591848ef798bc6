/**
 * Series count of /metrics with 10,000 databases on 50 clusters, against the stated bound
 * (README "Metrics"): `npx tsx bench/metrics-cardinality.ts`. Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineMetrics } from '../engine/metrics/registry';
import { openSqliteOperationQueue } from '../engine/queue/sqlite';
import { Fixtures } from '../engine/store/conformance/fixtures';
import { openSqliteStore } from '../engine/store/sqlite';

const DATABASES = 10_000;
const CLUSTERS = 50;
const PROJECTS = 40;
const ENGINES = ['postgres', 'mysql', 'mongodb', 'mariadb', 'redis', 'elasticsearch'] as const;
const STATUSES = ['RUNNING', 'PROVISIONING', 'FAILED', 'PAUSED', 'UNKNOWN'] as const;

const dir = mkdtempSync(join(tmpdir(), 'metrics-bench-'));
const store = await openSqliteStore({ file: join(dir, 'engine.sqlite') });
const queue = await openSqliteOperationQueue(
  { file: join(dir, 'queue.sqlite') },
  { leaseMs: 30_000 },
);
try {
  const fx = new Fixtures();
  for (let i = 0; i < DATABASES; i++) {
    await store.databases.create(
      fx.database({
        engine: ENGINES[i % ENGINES.length]!,
        status: STATUSES[i % STATUSES.length]!,
        providerId: `prov-${i % CLUSTERS}`,
        project: `p${i % PROJECTS}`,
      }),
    );
  }
  const metrics = new EngineMetrics({
    store,
    queueCounts: () => queue.counts(),
    subscribe: () => ({ dispose: () => undefined }),
    now: () => Date.now(),
  });
  const started = performance.now();
  const text = await metrics.text();
  const scrapeMs = performance.now() - started;
  const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const databaseSeries = series.filter((l) => l.startsWith('dbaas_databases{')).length;
  const bound = Math.min(DATABASES, 6 * 10 * CLUSTERS * PROJECTS);
  metrics.close();
  process.stdout.write(
    `${JSON.stringify({
      databases: DATABASES,
      clusters: CLUSTERS,
      projects: PROJECTS,
      totalSeries: series.length,
      databaseSeries,
      databaseSeriesBound: bound,
      withinBound: databaseSeries <= bound,
      scrapeMs: Math.round(scrapeMs),
      bytes: text.length,
    })}\n`,
  );
} finally {
  await queue.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
