import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type TestEngine,
} from '../helpers/engine';

/** A strict Prometheus text-format (0.0.4) parser: throws on any line it does not understand. */
function parseProm(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,|(?=\})))*\})? (-?[0-9.eE+-]+|[Nn]a[Nn]|\+Inf|-Inf)( -?\d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(meta[3]!))
          throw new Error(`bad TYPE: ${line}`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus text format: ${line}`);
    const key = `${m[1]}${m[2] ?? ''}`;
    if (samples.has(key)) throw new Error(`duplicate series: ${key}`);
    samples.set(key, Number(m[3]));
  }
  if (types.size === 0) throw new Error('no TYPE lines');
  return samples;
}

const sum = (samples: Map<string, number>, prefix: string, ...parts: string[]): number =>
  [...samples]
    .filter(([k]) => k.startsWith(prefix) && parts.every((p) => k.includes(p)))
    .reduce((a, [, v]) => a + v, 0);

describe('GET /metrics', () => {
  const scrapeToken = 'scrape-token-0123456789abcdef';
  let t: TestEngine;
  let cluster: SimCluster;
  let admin: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ config: { metricsToken: scrapeToken } });
    admin = (await t.login('admin', TEST_ADMIN_PASSWORD)).accessToken;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  const scrape = async () => {
    const r = await t.requestAs({ token: scrapeToken }, 'GET', '/metrics');
    expect(r.status).toBe(200);
    return parseProm(r.text);
  };

  it('refuses anonymous, wrong-token, desktop and API-key callers', async () => {
    expect((await t.requestAs(null, 'GET', '/metrics')).status).toBe(401);
    expect((await t.requestAs({ token: 'not-the-token-xxxxxxxx' }, 'GET', '/metrics')).status).toBe(
      401,
    );
    expect((await t.request('GET', '/metrics')).status).toBe(401);
    expect((await t.requestAs({ apiKey: 'dbaas_whatever' }, 'GET', '/metrics')).status).toBe(401);
    const r = await t.requestAs({ token: scrapeToken }, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(scrapeToken);
  });

  it('answers a signed-in admin and parses strictly', async () => {
    const r = await t.requestAs({ token: admin }, 'GET', '/metrics');
    expect(r.status).toBe(200);
    const samples = parseProm(r.text);
    expect(samples.has('dbaas_queue_depth')).toBe(true);
    expect(
      samples.get('dbaas_process_heap_bytes') ?? sum(samples, 'dbaas_nodejs_heap'),
    ).toBeGreaterThan(0);
  });

  it('counts requests by route pattern and status, and databases by engine', async () => {
    const before = await scrape();
    const missing = await t.requestAs({ token: admin }, 'GET', '/api/v1/databases/nope-123');
    expect(missing.status).toBe(404);
    const provider = await t.engine.services.providers.create({
      name: 'metrics',
      kubeconfig: cluster.kubeconfig,
    });
    await t.engine.services.databases.create({
      name: 'metered',
      engine: 'postgres',
      version: '16.1',
      domain: 'acme',
      project: 'metrics',
      storage: { size: '1Gi', storageClass: 'standard' },
      providerId: provider.id,
    });
    const after = await scrape();
    const notFound = (s: Map<string, number>) =>
      sum(s, 'dbaas_http_requests_total', 'route="/api/v1/databases/:id"', 'status="404"');
    expect(notFound(after) - notFound(before)).toBe(1);
    expect([...after.keys()].some((k) => k.includes('nope-123'))).toBe(false);
    const pg = (s: Map<string, number>) =>
      sum(s, 'dbaas_databases{', 'engine="postgres"', `providerId="${provider.id}"`);
    expect(pg(before)).toBe(0);
    expect(pg(after)).toBe(1);
    expect([...after.keys()].some((k) => k.includes('databaseId'))).toBe(false);
    // The create operation settles: the operations counter and its histogram move.
    const settled = await waitFor(async () => {
      const s = await scrape();
      return sum(s, 'dbaas_operations_total', 'outcome="succeeded"') >= 1 ? s : null;
    }, 'the create operation to be counted');
    expect(sum(settled, 'dbaas_operation_duration_seconds_count', 'outcome="succeeded"')).toBe(
      sum(settled, 'dbaas_operations_total', 'outcome="succeeded"'),
    );
  }, 60_000);
});
