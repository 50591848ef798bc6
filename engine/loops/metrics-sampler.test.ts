import { afterEach, describe, expect, it } from 'vitest';
import {
  openLoopHarness,
  startScriptedCluster,
  type LoopHarness,
  type ScriptedCluster,
} from '../../test/helpers/loops';
import { METRIC_RETENTION_MS } from '../store';
import { MetricsSampler } from './metrics-sampler';

let h: LoopHarness;
let cluster: ScriptedCluster;
afterEach(async () => {
  await cluster.stop();
  await h.close();
});

const pod = (namespace: string, instance: string, usages: [string, string][]) => ({
  apiVersion: 'metrics.k8s.io/v1beta1',
  kind: 'PodMetrics',
  metadata: {
    name: `${instance}-0`,
    namespace,
    labels: { 'app.kubernetes.io/instance': instance },
  },
  containers: usages.map(([cpu, memory]) => ({ usage: { cpu, memory } })),
});

async function arrange(items: unknown[]) {
  h = await openLoopHarness();
  cluster = await startScriptedCluster(() => ({
    status: 200,
    body: { kind: 'PodMetricsList', metadata: {}, items },
  }));
  const ids: Record<string, string> = { 'acme-shop/pg': 'db-pg', 'acme-shop/redis': 'db-redis' };
  const sampler = new MetricsSampler(
    h.context,
    {
      providers: () => [
        { id: 'prov-1', client: cluster.client, databaseIdFor: (ns, name) => ids[`${ns}/${name}`] },
      ],
    },
    30_000,
  );
  return sampler;
}

describe('MetricsSampler', () => {
  it('sums the pods of each database and keeps one cpu and one memory sample at the clock’s time', async () => {
    const sampler = await arrange([
      pod('acme-shop', 'pg', [
        ['250m', '256Mi'],
        ['50m', '64Mi'],
      ]),
      pod('acme-shop', 'redis', [['1', '1Gi']]),
      pod('other', 'unknown', [['4', '4Gi']]),
    ]);
    expect(await sampler.sampleAll()).toBe(4);
    const now = h.clock.now();
    const pg = await h.store.metrics.query('db-pg', { from: 0, to: now });
    expect(pg).toEqual([
      { databaseId: 'db-pg', t: now, name: 'cpu', value: 0.3 },
      { databaseId: 'db-pg', t: now, name: 'memory', value: 320 * 1024 * 1024 },
    ]);
    expect(await h.store.metrics.query('db-redis', { from: 0, to: now, names: ['cpu'] })).toEqual([
      { databaseId: 'db-redis', t: now, name: 'cpu', value: 1 },
    ]);
    // One paged list per cluster, never one request per database.
    expect(cluster.requests).toHaveLength(1);
    expect(cluster.requests[0]).toMatch(/^GET \/apis\/metrics\.k8s\.io\/v1beta1\/pods\?/);
    expect(decodeURIComponent(cluster.requests[0]!)).toContain(
      'labelSelector=app.kubernetes.io/managed-by=kubedb.com',
    );
  });

  it('samples on its interval once started, and stops with dispose', async () => {
    const sampler = await arrange([pod('acme-shop', 'pg', [['100m', '1Mi']])]);
    sampler.start();
    await h.clock.advance(29_999);
    expect(cluster.requests).toHaveLength(0);
    await h.clock.advance(1);
    await h.clock.settle();
    await h.clock.advance(30_000);
    await h.clock.settle();
    expect(cluster.requests).toHaveLength(2);
    sampler.dispose();
    await h.clock.advance(60_000);
    expect(cluster.requests).toHaveLength(2);
    expect(await h.store.metrics.query('db-pg', { from: 0, to: h.clock.now() })).toHaveLength(4);
  });

  it('drops samples older than the retention', async () => {
    const sampler = await arrange([]);
    const now = h.clock.now();
    await h.store.metrics.append([
      { databaseId: 'db-pg', t: now - METRIC_RETENTION_MS - 1, name: 'cpu', value: 1 },
      { databaseId: 'db-pg', t: now - 1_000, name: 'cpu', value: 2 },
    ]);
    await sampler.sampleAll();
    expect(await h.store.metrics.query('db-pg', { from: 0, to: now })).toEqual([
      { databaseId: 'db-pg', t: now - 1_000, name: 'cpu', value: 2 },
    ]);
  });

  it('reports no samples, and does not throw, when a cluster cannot be reached', async () => {
    const sampler = await arrange([pod('acme-shop', 'pg', [['1', '1Mi']])]);
    await cluster.stop();
    await expect(sampler.sampleAll()).resolves.toBe(0);
    cluster = await startScriptedCluster(() => ({ status: 200, body: { items: [] } }));
  });
});
