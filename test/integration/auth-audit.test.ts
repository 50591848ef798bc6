import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  TEST_ADMIN_PASSWORD,
  waitFor,
  type TestEngine,
} from '../helpers/engine';

/** The audit trail: what is recorded, who may read it, and that tampering is found. */
describe('the audit trail', () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  let adminToken: string;

  const audit = (query = '') =>
    t.requestAs<{ items: AuditEvent[]; nextCursor: string | null }>(
      { token: adminToken },
      'GET',
      `/api/v1/audit${query}`,
    );
  const verify = () =>
    t.requestAs<{ ok: boolean; brokenAt: string | null; checked: number }>(
      { token: adminToken },
      'GET',
      '/api/v1/audit/verify',
    );

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine();
    adminToken = (await t.login('admin', TEST_ADMIN_PASSWORD)).accessToken;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('records logins, changes, refusals and credential reads with actor, action, target and result', async () => {
    await t.requestAs(
      null,
      'POST',
      '/api/v1/auth/login',
      { username: 'admin', password: 'wrong-password' },
      '10.3.0.9',
    );
    await t.request('POST', '/api/v1/providers', {
      name: 'cluster',
      kubeconfig: clusters[0]!.kubeconfig,
    });
    const created = await t.request<{ database: Database }>('POST', '/api/v1/databases', {
      name: 'audited',
      engine: 'postgres',
      version: '16.4',
      domain: 'acme',
      project: 'shop',
      storage: { size: '1Gi' },
    });
    expect(created.status).toBe(202);
    const id = created.body.database.id;
    await waitFor(
      async () => (await t.request('GET', `/api/v1/databases/${id}/credentials`)).status === 200,
      'the credentials',
      30_000,
    );
    await t.requestAs(null, 'POST', '/api/v1/domains', { name: 'anon' });
    await t.request('POST', '/api/v1/users', {
      username: 'vera',
      password: 'vera-password-123',
      bindings: [{ role: 'viewer' }],
    });
    const vera = await t.login('vera', 'vera-password-123');
    await t.requestAs({ token: vera.accessToken }, 'DELETE', `/api/v1/databases/${id}`);

    const events = (await audit('?limit=100')).body.items;
    const find = (action: string, result?: string) =>
      events.find((e) => e.action === action && (result === undefined || e.result === result));
    expect(find('auth.login', 'failure')).toMatchObject({
      actor: 'admin',
      sourceIp: '10.3.0.9',
      target: 'users/admin',
    });
    expect(find('auth.login', 'success')).toMatchObject({ actor: 'vera' });
    expect(find('providers.create', 'success')).toMatchObject({
      actor: 'local-admin',
      requestId: expect.any(String),
    });
    expect(find('databases.create', 'success')).toMatchObject({ target: `databases/${id}` });
    expect(find('databases.credentials.read', 'success')).toMatchObject({
      target: `databases/${id}/credentials`,
    });
    expect(find('domains.create', 'denied')).toMatchObject({
      actor: 'anonymous',
      details: { status: 401 },
    });
    expect(find('databases.delete', 'denied')).toMatchObject({
      actor: 'vera',
      details: { status: 403 },
    });
    // Each event names its target as it was called at the time, beside the id.
    expect(find('auth.login', 'failure')).toMatchObject({
      targetKind: 'user',
      targetName: 'admin',
    });
    expect(find('providers.create', 'success')).toMatchObject({
      targetKind: 'provider',
      targetName: 'cluster',
    });
    for (const action of ['databases.create', 'databases.credentials.read', 'databases.delete'])
      expect(find(action)).toMatchObject({ targetKind: 'database', targetName: 'audited' });
    expect(find('users.create', 'success')).toMatchObject({
      targetKind: 'user',
      targetName: 'vera',
    });
    expect(JSON.stringify(events)).not.toContain('wrong-password');
    expect(JSON.stringify(events)).not.toContain('vera-password-123');

    // Filters and paging.
    const logins = await audit('?action=auth.login');
    expect(logins.body.items.every((e) => e.action === 'auth.login')).toBe(true);
    expect((await audit('?actor=vera')).body.items.every((e) => e.actor === 'vera')).toBe(true);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await audit(`?from=${future}`)).body.items).toEqual([]);
    const page = await audit('?limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await audit(`?limit=2&cursor=${encodeURIComponent(page.body.nextCursor!)}`);
    expect(next.body.items[0]!.time <= page.body.items[1]!.time).toBe(true);
    expect((await t.requestAs({ token: vera.accessToken }, 'GET', '/api/v1/audit')).status).toBe(
      403,
    );
  }, 60_000);

  it('loses no event when many changes arrive at once', async () => {
    const before = (await verify()).body.checked;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.request('POST', '/api/v1/domains', { name: `burst-${i}` }),
      ),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const result = await verify();
    expect(result.body).toMatchObject({ ok: true, brokenAt: null });
    // 40 creates plus the verify call's own reads (not audited).
    expect(result.body.checked).toBe(before + 40);
  });

  it('names the first event that was edited or removed in the store, in the API and the command', async () => {
    const db = new BetterSqlite3(join(t.dataDir, 'engine.sqlite'));
    try {
      const rows = db.prepare('SELECT id, doc FROM audit_events ORDER BY seq').all() as {
        id: string;
        doc: string;
      }[];
      const victim = rows[5]!;
      const edited = JSON.parse(victim.doc) as AuditEvent;
      db.prepare('UPDATE audit_events SET doc = ? WHERE id = ?').run(
        JSON.stringify({ ...edited, actor: 'mallory' }),
        victim.id,
      );
      expect((await verify()).body).toMatchObject({ ok: false, brokenAt: victim.id });

      const cli = spawnSync('npx', ['tsx', 'engine/audit-verify.ts', '--data-dir', t.dataDir], {
        cwd: resolve(import.meta.dirname, '../..'),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(cli.status).toBe(1);
      expect(cli.stdout).toContain(victim.id);

      db.prepare('UPDATE audit_events SET doc = ? WHERE id = ?').run(victim.doc, victim.id);
      expect((await verify()).body.ok).toBe(true);
      db.prepare('DELETE FROM audit_events WHERE id = ?').run(rows[7]!.id);
      expect((await verify()).body).toMatchObject({ ok: false, brokenAt: rows[8]!.id });
    } finally {
      db.close();
    }
  }, 90_000);
});
