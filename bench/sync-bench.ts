/**
 * npm run bench:sync — status propagation of the watch-driven engine against the original design's
 * 30-second per-database polling, in one run, over simulated clusters (in a child process).
 *
 *   npm run bench:sync                                     # sized for CI (200 databases, 2 clusters)
 *   npm run bench:sync -- --databases 10000 --clusters 50  # the full run
 *
 * Prints one JSON object: propagation latency p50/p99, requests per second per cluster in steady
 * state, heap and RSS, event-loop lag p99 — for the engine and for the baseline — and the targets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../engine/config';
import { ENGINE_KINDS, type Engine as EngineName } from '../engine/domain';
import { createEngine } from '../engine/engine';
import { createClusterConnector } from '../engine/kube';
import { createLogger } from '../engine/logging';
import { mb, percentile, round } from './lib/stats';
import { Poller, type PolledDatabase } from './lib/poller';
import { simFault, startSimProcess } from './lib/sims';

const { values } = parseArgs({
  options: {
    databases: { type: 'string', default: '200' },
    clusters: { type: 'string', default: '2' },
    'steady-seconds': { type: 'string', default: '60' },
    changes: { type: 'string', default: '40' },
    'baseline-seconds': { type: 'string', default: '65' },
    'baseline-interval-seconds': { type: 'string', default: '30' },
  },
});
const DATABASES = Number(values.databases);
const CLUSTERS = Number(values.clusters);
const STEADY_MS = Number(values['steady-seconds']) * 1000;
const CHANGES = Number(values.changes);
const BASELINE_MS = Number(values['baseline-seconds']) * 1000;
const BASELINE_INTERVAL_MS = Number(values['baseline-interval-seconds']) * 1000;
const PLURALS: Record<EngineName, string> = {
  postgres: 'postgreses',
  mysql: 'mysqls',
  mongodb: 'mongodbs',
  mariadb: 'mariadbs',
  redis: 'redises',
  elasticsearch: 'elasticsearches',
};

function log(message: string): void {
  process.stderr.write(`[bench:sync] ${message}\n`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const sims = await startSimProcess({
    clusters: CLUSTERS,
    speed: 100,
    kubeconfigOut: join(work, 'kubeconfig'),
  });
  log(`${sims.clusters.length} simulated clusters up`);
  const connector = createClusterConnector();
  const engine = await createEngine(
    loadConfig(
      {},
      {
        dataDir: join(work, 'engine'),
        vault: 'file',
        allowPrivateClusterAddresses: true,
        workers: 10,
        logLevel: 'silent',
      },
    ),
    { logger: createLogger('silent'), clusters: connector },
  );
  await engine.start();
  try {
    const providers = [];
    for (const cluster of sims.clusters) {
      providers.push(
        await engine.services.providers.create({
          name: cluster.name,
          kubeconfig: sims.kubeconfig,
          context: cluster.name,
        }),
      );
    }
    // Seed: standalone Postgres and Redis, spread over the clusters.
    const seeded: {
      id: string;
      engine: EngineName;
      namespace: string;
      name: string;
      cluster: string;
    }[] = [];
    const started = Date.now();
    for (let i = 0; i < DATABASES; i++) {
      const engineName: EngineName = i % 2 === 0 ? 'postgres' : 'redis';
      const provider = providers[i % providers.length]!;
      // Ten databases a project: the default quota.
      const project = `p${Math.floor(i / 10)}`;
      const result = await engine.services.databases.create({
        name: `db-${i}`,
        engine: engineName,
        version: engineName === 'postgres' ? '16.4' : '7.4.6',
        domain: 'bench',
        project,
        storage: { size: '1Gi' },
        providerId: provider.id,
      });
      if ('database' in result)
        seeded.push({
          id: result.database.id,
          engine: engineName,
          namespace: result.database.namespace,
          name: result.database.name,
          cluster: sims.clusters[i % providers.length]!.url,
        });
    }
    let running = 0;
    const deadline = Date.now() + 30 * 60_000;
    while (Date.now() < deadline) {
      running = 0;
      let cursor: string | null = null;
      do {
        const page = await engine.services.databases.list(
          { status: 'RUNNING' },
          { limit: 500, cursor },
        );
        running += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      if (running >= seeded.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    log(
      `${running}/${seeded.length} databases RUNNING after ${Math.round((Date.now() - started) / 1000)} s`,
    );

    // Steady state: nothing changes; count what the engine asks of the clusters.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const before = connector.requestsSent();
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const steadyRequests = connector.requestsSent() - before;

    // Propagation: a phase change on the simulator until the engine publishes it.
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const target = seeded[Math.floor((i * 7919) % seeded.length)]!;
      const kind = ENGINE_KINDS[target.engine];
      for (const [action, phase] of [
        ['down-database', 'NotReady'],
        ['recover-database', 'Ready'],
      ] as const) {
        const seen = new Promise<number>((done) => {
          const subscription = engine.services.events.subscribe((event) => {
            if (
              event.type === 'database.status' &&
              event.data.id === target.id &&
              event.data.phase === phase
            ) {
              void subscription.dispose();
              done(performance.now());
            }
          });
        });
        await simFault(target.cluster, action, {
          kind,
          namespace: target.namespace,
          name: target.name,
        });
        const sent = performance.now();
        const at = await Promise.race([
          seen,
          new Promise<number>((r) => setTimeout(() => r(Number.NaN), 30_000)),
        ]);
        latencies.push(at - sent);
      }
    }
    lag.disable();
    const memory = process.memoryUsage();
    const engineFigures = {
      propagationMs: {
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        samples: latencies.length,
        lost: latencies.filter(Number.isNaN).length,
      },
      requestsPerSecondPerCluster: round(steadyRequests / (STEADY_MS / 1000) / CLUSTERS, 4),
      heapUsedMB: mb(memory.heapUsed),
      rssMB: mb(memory.rss),
      eventLoopLagP99Ms: round(lag.percentile(99) / 1e6),
    };
    log(`engine: ${JSON.stringify(engineFigures)}`);
    await engine.stop();

    // Baseline: poll every database every 30 s, as the original design did.
    const polled: PolledDatabase[] = seeded.map((d) => ({
      clusterUrl: d.cluster,
      plural: PLURALS[d.engine],
      namespace: d.namespace,
      name: d.name,
    }));
    const poller = new Poller(polled, BASELINE_INTERVAL_MS);
    const pending = new Map<string, number>();
    const baselineLatencies: number[] = [];
    poller.onChange((key, _phase, at) => {
      const sent = pending.get(key);
      if (sent !== undefined) {
        baselineLatencies.push(at - sent);
        pending.delete(key);
      }
    });
    poller.start();
    // Let every database be polled once, so that a change is a change.
    await new Promise((r) => setTimeout(r, BASELINE_INTERVAL_MS + 1_000));
    const baselineBefore = poller.requests;
    const baselineStart = Date.now();
    const baselineChanges = Math.min(CHANGES, 20);
    for (let i = 0; i < baselineChanges; i++) {
      const target = seeded[Math.floor((i * 104729) % seeded.length)]!;
      await simFault(target.cluster, 'down-database', {
        kind: ENGINE_KINDS[target.engine],
        namespace: target.namespace,
        name: target.name,
      });
      pending.set(`${target.namespace}/${target.name}`, Date.now());
    }
    await new Promise((r) =>
      setTimeout(r, Math.max(BASELINE_INTERVAL_MS + 2_000, BASELINE_MS - BASELINE_INTERVAL_MS)),
    );
    const baselineSeconds = (Date.now() - baselineStart) / 1000;
    poller.stop();
    const baselineFigures = {
      propagationMs: {
        p50: round(percentile(baselineLatencies, 50)),
        p99: round(percentile(baselineLatencies, 99)),
        samples: baselineLatencies.length,
      },
      requestsPerSecondPerCluster: round(
        (poller.requests - baselineBefore) / baselineSeconds / CLUSTERS,
        4,
      ),
      intervalSeconds: BASELINE_INTERVAL_MS / 1000,
    };
    log(`baseline: ${JSON.stringify(baselineFigures)}`);

    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'sync',
          databases: DATABASES,
          clusters: CLUSTERS,
          steadySeconds: STEADY_MS / 1000,
          engine: engineFigures,
          baseline: baselineFigures,
          targets: {
            propagationP99Under1s:
              engineFigures.propagationMs.p99 < 1000 && engineFigures.propagationMs.lost === 0,
            requestsPerSecondPerClusterUnder0_1: engineFigures.requestsPerSecondPerCluster < 0.1,
            heapUnder150MB: engineFigures.heapUsedMB < 150,
            eventLoopLagP99Under20ms: engineFigures.eventLoopLagP99Ms < 20,
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await engine.stop();
    await sims.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:sync failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
