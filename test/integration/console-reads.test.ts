import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Operation } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type TestEngine,
} from '../helpers/engine';

/**
 * The reads the console is built on (issue 11): the detail screen in one request, a batched
 * re-read of changed databases, and conditional requests — against a real engine and a simulated
 * KubeDB cluster.
 */
describe("the console's reads", () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  let token: string;
  const ids: string[] = [];

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine();
    const provider = await t.request('POST', '/api/v1/providers', {
      name: 'cluster-1',
      kubeconfig: clusters[0]!.kubeconfig,
    });
    expect(provider.status).toBe(201);
    for (const name of ['alpha', 'beta', 'gamma']) {
      const created = await t.request<{ database: Database }>('POST', '/api/v1/databases', {
        name,
        engine: 'postgres',
        version: '16.4',
        domain: 'acme',
        project: 'shop',
        storage: { size: '1Gi', storageClass: 'standard' },
      });
      expect(created.status).toBe(202);
      ids.push(created.body.database.id);
    }
    for (const id of ids)
      await waitFor(
        async () =>
          (await t.request<Database>('GET', `/api/v1/databases/${id}`)).body.status === 'RUNNING',
        `${id} RUNNING`,
      );
    token = (await t.login('admin', TEST_ADMIN_PASSWORD)).accessToken;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('answers the detail screen in one read: database, operations, manifest, events and metrics', async () => {
    const detail = await t.requestAs<{
      database: Database;
      operations: Operation[];
      manifest: { desired: { kind: string }; live: unknown; drift: unknown[] };
      events: { items: { reason: string }[] };
      metrics: { series: { name: string }[] };
    }>({ token }, 'GET', `/api/v1/databases/${ids[0]}/detail`);
    expect(detail.status).toBe(200);
    expect(detail.body.database).toMatchObject({ id: ids[0], name: 'alpha', status: 'RUNNING' });
    expect(detail.body.operations.map((o) => o.type)).toContain('create');
    expect(detail.body.manifest.desired.kind).toBe('Postgres');
    expect(detail.body.manifest.live).not.toBeNull();
    expect(detail.body.events.items.length).toBeGreaterThan(0);
    expect(detail.body.metrics.series.map((s) => s.name).sort()).toEqual(['cpu', 'memory']);
    expect((await t.requestAs({ token }, 'GET', '/api/v1/databases/nope/detail')).status).toBe(404);
  });

  it('answers 304 to If-None-Match with the ETag, and counts it as a quarter of a read', async () => {
    const url = `/api/v1/databases/${ids[1]}`;
    const first = await t.requestAs({ token }, 'GET', url);
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    const remaining = Number(first.headers['ratelimit-remaining']);
    const conditional = { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await t.requestAs(conditional, 'GET', url));
    expect(answers.map((a) => a.status)).toEqual([304, 304, 304, 304]);
    expect(answers[0]!.text).toBe('');
    // Four revalidations cost one read (give or take the refill meanwhile).
    const after = Number(answers[3]!.headers['ratelimit-remaining']);
    expect(after).toBeGreaterThanOrEqual(remaining - 1);
    expect(after).toBeLessThanOrEqual(remaining);
    // Another tag is not a match.
    const changed = await t.requestAs(
      { headers: { authorization: `Bearer ${token}`, 'if-none-match': 'W/"other"' } },
      'GET',
      url,
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe(etag);
    // Credentials carry no tag, so that no client keeps them to revalidate.
    const credentials = await t.requestAs({ token }, 'GET', `${url}/credentials`);
    expect(credentials.status).toBe(200);
    expect(credentials.headers.etag).toBeUndefined();
    expect(credentials.headers['cache-control']).toBe('no-store');
  });

  it('re-reads several databases by id in one request, and refuses more than 100 ids', async () => {
    const batch = await t.requestAs<{ items: Database[] }>(
      { token },
      'GET',
      `/api/v1/databases?ids=${ids[2]},${ids[0]},not-a-database`,
    );
    expect(batch.status).toBe(200);
    expect(batch.body.items.map((d) => d.id).sort()).toEqual([ids[0], ids[2]].sort());
    const tooMany = Array.from({ length: 101 }, (_, i) => `db-${i}`).join(',');
    const refused = await t.requestAs<{ error: { details: { path: string }[] } }>(
      { token },
      'GET',
      `/api/v1/databases?ids=${tooMany}`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]?.path).toBe('ids');
  });
});
