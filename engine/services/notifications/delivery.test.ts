import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLoopHarness, type LoopHarness } from '../../../test/helpers/loops';
import { DEFAULT_LIMITS } from '../../domain';
import type { Alert, AlertNotice } from '../../domain/alerts';
import { createClusterConnector, DAEMON_POLICY } from '../../kube';
import type { Vault } from '../../vault';
import { openFileVault } from '../../vault/file';
import type { ServiceContext } from '../context';
import { NotificationService } from './index';

const SECRET = 'unit-webhook-secret-0123456789';

interface Hit {
  path: string;
  raw: string;
  signature?: string;
  at: number;
}

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  id: 'a-1',
  rule: 'database-down',
  severity: 'critical',
  state: 'firing',
  databaseId: 'db-1',
  domain: 'acme',
  project: 'shop',
  summary: 'database acme/shop/orders is FAILED',
  startsAt: '2026-06-01T00:00:00.000Z',
  ...overrides,
});
const firing = (a: Alert = alert()): AlertNotice => ({
  kind: 'firing',
  alert: a,
  dedupKey: `dbaas/${a.id}`,
});

describe('notification channels and delivery', () => {
  let h: LoopHarness;
  let vault: Vault;
  let server: http.Server;
  let base: string;
  let answer: (path: string) => number;
  let hits: Hit[];
  let service: NotificationService;

  const open = (allowPrivateAddresses: boolean): NotificationService => {
    const context: ServiceContext = {
      store: h.store,
      vault,
      clusters: createClusterConnector(() => new Date(h.clock.now())),
      logger: h.context.logger,
      events: h.events,
      limits: DEFAULT_LIMITS,
      kubeconfigPolicy: { ...DAEMON_POLICY, allowPrivateAddresses },
      now: () => new Date(h.clock.now()),
      newId: () => randomUUID(),
    };
    return new NotificationService(context, h.clock, {
      maxAttempts: 4,
      backoff: { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.5 },
      random: () => 1,
    });
  };

  beforeEach(async () => {
    h = await openLoopHarness();
    vault = await openFileVault({
      file: join(h.dir, 'vault.enc'),
      keyFile: join(h.dir, 'vault.key'),
    });
    hits = [];
    answer = () => 200;
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const signature = req.headers['x-dbaas-signature'];
        hits.push({
          path: req.url ?? '',
          raw,
          at: h.clock.now(),
          ...(typeof signature === 'string' ? { signature } : {}),
        });
        res.writeHead(answer(req.url ?? '')).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    service = open(true);
  });

  afterEach(async () => {
    await service.delivery.dispose();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await vault.close();
    await h.close();
  });

  /** Moves fake time on (the backoff waits on it) while real I/O runs, until `done` holds. */
  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await h.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  it('signs a webhook body with the channel secret and routes by severity and domain', async () => {
    await service.channels.create({
      name: 'all',
      type: 'webhook',
      url: `${base}/all`,
      secret: SECRET,
    });
    await service.channels.create({
      name: 'beta-only',
      type: 'webhook',
      url: `${base}/beta`,
      secret: SECRET,
      filter: { domain: 'beta' },
    });
    await service.channels.create({
      name: 'warnings',
      type: 'slack',
      url: `${base}/slack/T1/B1/tok`,
      filter: { severity: ['warning'] },
    });
    await service.delivery.notify(firing());
    await service.delivery.notify(firing(alert({ id: 'a-2', severity: 'warning' })));
    await service.delivery.settle();
    expect(hits.map((x) => x.path).sort()).toEqual(['/all', '/all', '/slack/T1/B1/tok']);
    for (const hit of hits.filter((x) => x.path === '/all')) {
      expect(hit.signature).toBe(
        `sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`,
      );
      expect(JSON.parse(hit.raw)).toMatchObject({
        version: 1,
        kind: 'firing',
        alert: { rule: 'database-down' },
      });
    }
    const slack = JSON.parse(hits.find((x) => x.path.startsWith('/slack'))!.raw) as {
      text: string;
      blocks: unknown[];
    };
    expect(slack.text).toBe('[FIRING] warning database-down: database acme/shop/orders is FAILED');
    expect(slack.blocks.length).toBeGreaterThan(0);
  });

  it('speaks PagerDuty Events v2: trigger, acknowledge, resolve under one dedup key', async () => {
    const pd = await service.channels.create({
      name: 'pd',
      type: 'pagerduty',
      url: `${base}/v2/enqueue`,
      routingKey: 'R0UTINGKEY0123456789abcdef012345',
    });
    expect(pd).toMatchObject({ hasRoutingKey: true, url: `${base}/v2/enqueue` });
    expect(JSON.stringify(await service.channels.list())).not.toContain('R0UTINGKEY');
    for (const kind of ['firing', 'acknowledged', 'resolved'] as const)
      await service.delivery.notify({ ...firing(), kind });
    await service.delivery.settle();
    const events = hits.map(
      (x) =>
        JSON.parse(x.raw) as {
          routing_key: string;
          event_action: string;
          dedup_key: string;
          payload?: { severity: string; source: string };
        },
    );
    expect(events.map((e) => e.event_action).sort()).toEqual(['acknowledge', 'resolve', 'trigger']);
    expect(new Set(events.map((e) => e.dedup_key))).toEqual(new Set(['dbaas/a-1']));
    expect(events.every((e) => e.routing_key === 'R0UTINGKEY0123456789abcdef012345')).toBe(true);
    expect(events.find((e) => e.event_action === 'trigger')!.payload).toMatchObject({
      severity: 'critical',
      source: 'db-1',
    });
    expect(events.find((e) => e.event_action === 'resolve')!.payload).toBeUndefined();
  });

  it('retries a 5xx with growing delays, then counts one dead letter on the channel', async () => {
    answer = () => 503;
    const channel = await service.channels.create({
      name: 'down',
      type: 'webhook',
      url: `${base}/down`,
      secret: SECRET,
    });
    await service.delivery.notify(firing());
    await until(
      async () => (await service.channels.get(channel.id)).deadLetters === 1,
      'the dead letter',
    );
    expect(hits).toHaveLength(4);
    const gaps = hits.slice(1).map((x, i) => x.at - hits[i]!.at);
    // random() = 1: the top of each jittered window, 1 s, 2 s, 4 s (to the fake clock's 100 ms steps).
    expect(gaps.map((g) => Math.round(g / 1000))).toEqual([1, 2, 4]);
    expect(await service.channels.get(channel.id)).toMatchObject({
      deadLetters: 1,
      lastDeadLetter: { alertId: 'a-1', kind: 'firing', attempts: 4, error: 'answered 503' },
    });
  });

  it('gives up at once on a refusal (400) but retries 429 and an unreachable receiver', async () => {
    answer = (path) =>
      path === '/refuses' ? 400 : path === '/busy' && hits.length < 3 ? 429 : 200;
    const refuses = await service.channels.create({
      name: 'refuses',
      type: 'webhook',
      url: `${base}/refuses`,
      secret: SECRET,
    });
    await service.delivery.notify(firing());
    await service.delivery.settle();
    expect(hits).toHaveLength(1);
    expect((await service.channels.get(refuses.id)).deadLetters).toBe(1);
    await service.channels.delete(refuses.id);
    const busy = await service.channels.create({
      name: 'busy',
      type: 'webhook',
      url: `${base}/busy`,
      secret: SECRET,
    });
    await service.delivery.notify(firing());
    await until(() => service.delivery.pending === 0, 'the busy delivery');
    expect(hits.filter((x) => x.path === '/busy')).toHaveLength(2);
    expect((await service.channels.get(busy.id)).deadLetters).toBe(0);
    // A port that was just freed: nothing listens there.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nobody = await service.channels.create({
      name: 'nobody',
      type: 'webhook',
      url: `http://127.0.0.1:${port}/x`,
      secret: SECRET,
    });
    expect(await service.test(nobody.id)).toMatchObject({
      ok: false,
      retryable: true,
      message: 'not reached (ECONNREFUSED)',
    });
  });

  it('keeps secrets in the vault only, and replaces or removes them with the channel', async () => {
    const hook = await service.channels.create({
      name: 'hook',
      type: 'webhook',
      url: `${base}/hook`,
      secret: SECRET,
    });
    const slack = await service.channels.create({
      name: 'slack',
      type: 'slack',
      url: `${base}/services/T9/B9/very-secret-token`,
    });
    expect(slack.url).toBe(`${base}/…`);
    const stored = JSON.stringify(await h.store.meta.get('notification-channels'));
    const shown = JSON.stringify(await service.channels.list());
    for (const text of [stored, shown]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('very-secret-token');
    }
    expect(await vault.get({ kind: 'notification-channel', id: hook.id })).toContain(SECRET);
    await service.channels.update(hook.id, { secret: 'a-brand-new-secret-0123456789' });
    await service.delivery.notify(firing());
    await service.delivery.settle();
    const hit = hits.find((x) => x.path === '/hook')!;
    expect(hit.signature).toBe(
      `sha256=${createHmac('sha256', 'a-brand-new-secret-0123456789').update(hit.raw).digest('hex')}`,
    );
    await service.channels.delete(slack.id);
    await expect(vault.get({ kind: 'notification-channel', id: slack.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses bad channels naming field and rule, and the engine host unless allowed', async () => {
    const refusal = (input: unknown) =>
      service.channels.create(input).then(
        () => null,
        (error: unknown) => error,
      );
    expect(await refusal({ name: 'x', type: 'webhook', url: `${base}/x` })).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'secret', rule: 'required' }],
    });
    expect(
      await refusal({ name: 'x', type: 'webhook', url: 'ftp://host/x', secret: SECRET }),
    ).toMatchObject({ details: [expect.objectContaining({ path: 'url' })] });
    expect(await refusal({ name: 'x', type: 'email' })).toMatchObject({
      code: 'UNSUPPORTED',
      details: [{ path: 'type' }],
    });
    expect(await refusal({ name: 'x', type: 'pagerduty' })).toMatchObject({
      details: [{ path: 'routingKey', rule: 'required' }],
    });
    expect(
      await refusal({ name: 'x', type: 'webhook', url: `${base}/x`, secret: 'short' }),
    ).toMatchObject({
      details: [
        expect.objectContaining({ path: 'secret', message: expect.stringContaining('16') }),
      ],
    });
    await service.delivery.dispose();
    service = open(false);
    expect(
      await refusal({ name: 'x', type: 'webhook', url: `${base}/x`, secret: SECRET }),
    ).toMatchObject({ code: 'UNPROCESSABLE', details: [{ path: 'url', rule: 'address' }] });
    expect(
      JSON.stringify(
        await refusal({ name: 'x', type: 'webhook', url: `${base}/x`, secret: SECRET }),
      ),
    ).not.toContain(SECRET);
  });
});
