import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type TestEngine,
} from '../helpers/engine';

/**
 * "Database down" end to end: a database made to fail on the simulator (over real HTTP) fires
 * after the rule's for-duration, and real HTTP receivers on 127.0.0.1 get one signed webhook, one
 * Slack message, then one resolve when it recovers; a receiver that answers 500 gets the retries
 * and leaves a dead letter on its channel. No secret shows in an answer or a log line.
 */

const FOR_SECONDS = 2;
const SECRET = 'whsec-alerts-test-0123456789abcdef';
const SLACK_PATH = '/services/T0001/B0001/slack-token-4f9a8c7d';
const ATTEMPTS = 3;
const ROUTING_KEY = 'R0UTINGKEYalerts0123456789abcdef';
const ENV = {
  DBAAS_FAILURE_THRESHOLD_MS: '500',
  DBAAS_NOTIFY_MAX_ATTEMPTS: String(ATTEMPTS),
  DBAAS_NOTIFY_RETRY_INITIAL_MS: '100',
};

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: {
    kind?: string;
    dedupKey?: string;
    text?: string;
    alert?: Record<string, unknown>;
    event_action?: string;
    dedup_key?: string;
    routing_key?: string;
  };
  at: number;
}

describe('alerts and notifications against the simulator', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let database: Database;
  let receiver: http.Server;
  let base: string;
  const received: Received[] = [];
  const channels: Record<string, string> = {};
  /** What engines stopped for a restart answered and logged (searched for secrets at the end). */
  const earlier: string[] = [];

  const at = (path: string, kind?: string) =>
    received.filter(
      (r) =>
        r.path === path &&
        (kind === undefined ||
          r.body.kind === kind ||
          r.body.text?.startsWith(`[${kind.toUpperCase()}]`)),
    );
  const read = async (): Promise<Database> =>
    (await t.request<Database>('GET', `/api/v1/databases/${database.id}`)).body;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          raw,
          body: JSON.parse(raw || '{}'),
          at: Date.now(),
        });
        res.writeHead(req.url === '/broken' ? 500 : 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: ENV });
    const provider = await t.engine.services.providers.create({
      name: 'alerting',
      kubeconfig: cluster.kubeconfig,
    });
    const result = await t.engine.services.databases.create({
      name: 'ledger',
      engine: 'postgres',
      version: '16.4',
      domain: 'acme',
      project: 'shop',
      storage: { size: '1Gi' },
      providerId: provider.id,
    });
    if (!('database' in result)) throw new Error('expected a database');
    database = result.database;
    for (const [name, body] of Object.entries({
      hook: { type: 'webhook', url: `${base}/hook`, secret: SECRET },
      slack: { type: 'slack', url: `${base}${SLACK_PATH}`, filter: { severity: ['critical'] } },
      broken: { type: 'webhook', url: `${base}/broken`, secret: SECRET },
      pagerduty: { type: 'pagerduty', url: `${base}/v2/enqueue`, routingKey: ROUTING_KEY },
      // Routed to another domain: it must hear nothing of acme's database.
      elsewhere: {
        type: 'webhook',
        url: `${base}/elsewhere`,
        secret: SECRET,
        filter: { domain: 'beta' },
      },
    })) {
      const created = await t.request<{ id: string; hasSecret: boolean; hasRoutingKey: boolean }>(
        'POST',
        '/api/v1/notification-channels',
        { name, ...body },
      );
      expect(created.status, created.text).toBe(201);
      expect(created.body.hasSecret || created.body.hasRoutingKey).toBe(true);
      channels[name] = created.body.id;
    }
    const tuned = await t.request('PUT', '/api/v1/alert-rules/database-down', {
      forSeconds: FOR_SECONDS,
    });
    expect(tuned.status, tuned.text).toBe(200);
    await waitFor(async () => (await read()).status === 'RUNNING', 'the database to run', 30_000);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('fires once after forSeconds with a verified signature and a dedup key, and resolves once', async () => {
    cluster.faults.downDatabase('Postgres', database.namespace, database.name);
    const failedAt = await waitFor(
      async () => ((await read()).status === 'FAILED' ? Date.now() : null),
      'the database to show FAILED',
      20_000,
    );
    const [firing] = await waitFor(
      () => (at('/hook', 'firing').length > 0 ? at('/hook', 'firing') : null),
      'the firing webhook',
      20_000,
    );
    // Not before the for-duration; within 5 s after it (the bound), even under load.
    const latency = firing!.at - failedAt;
    expect(latency).toBeGreaterThanOrEqual(FOR_SECONDS * 1000 - 250);
    expect(latency).toBeLessThan(FOR_SECONDS * 1000 + 5_000);
    console.log(
      `database FAILED → firing webhook received: ${latency} ms (forSeconds ${FOR_SECONDS})`,
    );
    const signature = createHmac('sha256', SECRET).update(firing!.raw).digest('hex');
    expect(firing!.headers['x-dbaas-signature']).toBe(`sha256=${signature}`);
    expect(firing!.body.alert).toMatchObject({
      rule: 'database-down',
      state: 'firing',
      severity: 'critical',
      databaseId: database.id,
    });
    const dedupKey = firing!.body.dedupKey!;
    expect(dedupKey).toContain(database.id);
    await waitFor(() => at(SLACK_PATH, 'firing').length === 1, 'the Slack message');
    expect(at(SLACK_PATH)[0]!.body.text).toContain('database-down');

    const listed = await t.request<{
      items: { id: string; state: string; databaseId: string; dedupKey: string }[];
    }>('GET', `/api/v1/alerts?state=firing&databaseId=${database.id}`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]!.dedupKey).toBe(dedupKey);
    const admin = await t.login('admin', TEST_ADMIN_PASSWORD);
    const metrics = await t.requestAs<string>({ token: admin.accessToken }, 'GET', '/metrics');
    expect(metrics.text).toMatch(/^dbaas_alerts_firing\{severity="critical"\} 1$/m);

    // A restart of the engine while the alert fires: the new one sends nothing again. (Once the
    // failing receiver had all its tries: a restart cuts deliveries in flight short.)
    await waitFor(() => at('/broken', 'firing').length === ATTEMPTS, 'the retries of the firing');
    const before = received.length;
    await t.engine.stop();
    await t.store.close();
    earlier.push(...t.responses, ...t.logs);
    t = await startTestEngine({ env: ENV, dataDir: t.dataDir });
    await waitFor(
      () => t.engine.loops.syncOf(database.providerId)?.synced,
      'the sync after restart',
      20_000,
    );
    await t.engine.loops.alerts.idle();
    expect((await read()).status).toBe('FAILED');
    expect(received.slice(before)).toEqual([]);

    const ack = await t.request<{ acknowledgedBy: string }>(
      'POST',
      `/api/v1/alerts/${listed.body.items[0]!.id}/acknowledge`,
      { comment: 'restarting the node' },
    );
    expect(ack.status, ack.text).toBe(200);
    await waitFor(() => at('/hook', 'acknowledged').length === 1, 'the acknowledgement webhook');

    cluster.faults.recoverDatabase('Postgres', database.namespace, database.name);
    const [resolved] = await waitFor(
      () => (at('/hook', 'resolved').length > 0 ? at('/hook', 'resolved') : null),
      'the resolved webhook',
      20_000,
    );
    expect(resolved!.body.dedupKey).toBe(dedupKey);
    expect(resolved!.body.alert).toMatchObject({ state: 'resolved' });
    expect(resolved!.headers['x-dbaas-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(resolved!.raw).digest('hex')}`,
    );
    // Exactly one notice per state change, to each channel that routes it.
    expect(at('/hook').map((r) => r.body.kind)).toEqual(['firing', 'acknowledged', 'resolved']);
    await waitFor(() => at(SLACK_PATH).length === 3, 'the Slack resolve');
    expect(at('/elsewhere')).toEqual([]);
    // PagerDuty: one incident, triggered, acknowledged and resolved under the same dedup key.
    await waitFor(() => at('/v2/enqueue').length === 3, 'the PagerDuty resolve');
    expect(at('/v2/enqueue').map((r) => [r.body.event_action, r.body.dedup_key])).toEqual([
      ['trigger', dedupKey],
      ['acknowledge', dedupKey],
      ['resolve', dedupKey],
    ]);
    expect(at('/v2/enqueue')[0]!.body.routing_key).toBe(ROUTING_KEY);
    const after = await t.request<{ items: { state: string; endsAt?: string }[] }>(
      'GET',
      `/api/v1/alerts?databaseId=${database.id}`,
    );
    expect(after.body.items.map((a) => a.state)).toEqual(['resolved']);
  }, 60_000);

  it('retries a receiver that answers 500, then counts a dead letter on its channel', async () => {
    const channel = await waitFor(
      async () => {
        const view = (
          await t.request<{ deadLetters: number }>(
            'GET',
            `/api/v1/notification-channels/${channels.broken}`,
          )
        ).body;
        return view.deadLetters === 3 ? view : null;
      },
      'three dead letters (firing, acknowledged, resolved)',
      20_000,
    );
    expect(channel).toMatchObject({
      deadLetters: 3,
      lastDeadLetter: { attempts: ATTEMPTS, error: 'answered 500' },
    });
    // Every notice was tried ATTEMPTS times, with backoff between the tries.
    const byNotice = new Map<string, Received[]>();
    for (const r of at('/broken'))
      byNotice.set(`${r.body.kind}`, [...(byNotice.get(`${r.body.kind}`) ?? []), r]);
    expect([...byNotice.keys()].sort()).toEqual(['acknowledged', 'firing', 'resolved']);
    for (const tries of byNotice.values()) {
      expect(tries).toHaveLength(ATTEMPTS);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(50);
    }
  });

  it('sends a test notification on demand and never shows or logs a secret', async () => {
    const tested = await t.request<{ ok: boolean; status: number }>(
      'POST',
      `/api/v1/notification-channels/${channels.hook}/test`,
    );
    expect(tested.body).toMatchObject({ ok: true, status: 200 });
    expect(at('/hook', 'test')).toHaveLength(1);
    const list = await t.request<{ items: { url?: string }[] }>(
      'GET',
      '/api/v1/notification-channels',
    );
    expect(
      list.body.items.find((c) => c.url?.startsWith(base) && c.url.endsWith('…')),
    ).toBeDefined();
    const bad = await t.request<{ error: { details: { path: string; rule: string }[] } }>(
      'POST',
      '/api/v1/notification-channels',
      { name: 'x', type: 'webhook', url: `${base}/x` },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'secret', rule: 'required' });
    const seen = [...earlier, ...t.responses, ...t.logs].join('\n');
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain('slack-token-4f9a8c7d');
    expect(seen).not.toContain(ROUTING_KEY);
  });

  it('shows viewers the alerts of the databases they can see, and lets only operators act on them', async () => {
    const tokens: Record<string, string> = {};
    for (const [username, binding] of [
      ['shop-viewer', { role: 'viewer', domain: 'acme', project: 'shop' }],
      ['beta-viewer', { role: 'viewer', domain: 'beta' }],
    ] as const) {
      const created = await t.request('POST', '/api/v1/users', {
        username,
        password: `${username}-password-1`,
        bindings: [binding],
      });
      expect(created.status, created.text).toBe(201);
      tokens[username] = (await t.login(username, `${username}-password-1`)).accessToken;
    }
    type Listed = { items: { id: string; databaseId?: string }[] };
    const shop = await t.requestAs<Listed>(
      { token: tokens['shop-viewer']! },
      'GET',
      '/api/v1/alerts',
    );
    expect(shop.body.items.map((a) => a.databaseId)).toContain(database.id);
    const beta = await t.requestAs<Listed>(
      { token: tokens['beta-viewer']! },
      'GET',
      '/api/v1/alerts',
    );
    expect(beta.body.items.filter((a) => a.databaseId)).toEqual([]);
    const id = shop.body.items.find((a) => a.databaseId === database.id)!.id;
    expect(
      (await t.requestAs({ token: tokens['beta-viewer']! }, 'GET', `/api/v1/alerts/${id}`)).status,
    ).toBe(404);
    expect(
      (
        await t.requestAs(
          { token: tokens['shop-viewer']! },
          'POST',
          `/api/v1/alerts/${id}/silence`,
          { untilResolved: true },
        )
      ).status,
    ).toBe(403);
    expect(
      (await t.requestAs({ token: tokens['shop-viewer']! }, 'GET', '/api/v1/notification-channels'))
        .status,
    ).toBe(403);
  });
});
