import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../engine/base/clock';
import { startTestEngine, type TestEngine } from '../helpers/engine';

const DAY_MS = 24 * 60 * 60 * 1000;

/** API keys: every key expires, a user holds few, revoke-all ends them, and they follow their creator's bindings. */
describe('API key lifetime, cap, revocation and narrowing', () => {
  let t: TestEngine;
  let offsetMs = 0;
  // The engine's time, moved forward by the tests (timers still run on real time).
  const clock: Clock = { ...systemClock, now: () => Date.now() + offsetMs };

  beforeAll(async () => {
    t = await startTestEngine({ config: { apiKeysPerUser: 3 }, engine: { clock } });
  });

  afterAll(async () => {
    await t?.stop();
  });

  async function userWith(username: string, bindings: unknown[]): Promise<string> {
    const created = await t.request<{ id: string }>('POST', '/api/v1/users', {
      username,
      password: `${username}-password-123`,
      bindings,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  const signIn = async (username: string) =>
    (await t.login(username, `${username}-password-123`)).accessToken;

  async function keyOf(token: string, body: Record<string, unknown>) {
    return t.requestAs<{ id: string; key: string; expiresAt: string | null }>(
      { token },
      'POST',
      '/api/v1/api-keys',
      { name: 'k', ...body },
    );
  }

  const meAs = (apiKey: string) =>
    t.requestAs<{ bindings: unknown[] }>({ apiKey }, 'GET', '/api/v1/auth/me');

  it('gives every key an expiry, 90 days by default and at most 365, and refuses it afterwards', async () => {
    await userWith('erin', [{ role: 'viewer' }]);
    const token = await signIn('erin');
    const short = await keyOf(token, { role: 'viewer' });
    expect(short.status).toBe(201);
    const lifetime = Date.parse(short.body.expiresAt ?? '') - clock.now();
    expect(lifetime).toBeGreaterThan(90 * DAY_MS - 60_000);
    expect(lifetime).toBeLessThanOrEqual(90 * DAY_MS);
    const long = await keyOf(token, { role: 'viewer', expiresInDays: 365 });
    expect(long.status).toBe(201);
    const tooLong = await keyOf(token, { role: 'viewer', expiresInDays: 366 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('expiresInDays');

    offsetMs = 91 * DAY_MS;
    try {
      expect((await meAs(short.body.key)).status).toBe(401);
      expect((await meAs(long.body.key)).status).toBe(200);
      // A key from before expiries existed ends 365 days after its creation.
      const stored = await t.store.apiKeys.get(long.body.id);
      await t.store.apiKeys.update({ ...stored, expiresAt: null });
      expect((await meAs(long.body.key)).status).toBe(200);
      offsetMs = 366 * DAY_MS;
      expect((await meAs(long.body.key)).status).toBe(401);
    } finally {
      offsetMs = 0;
    }
  });

  it('caps the unexpired keys one user holds', async () => {
    await userWith('cap', [{ role: 'viewer' }]);
    const token = await signIn('cap');
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await keyOf(token, { role: 'viewer' });
      expect(created.status).toBe(201);
      made.push(created.body.id);
    }
    const over = await keyOf(token, { role: 'viewer' });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
    expect((await t.requestAs({ token }, 'DELETE', `/api/v1/api-keys/${made[0]!}`)).status).toBe(
      204,
    );
    expect((await keyOf(token, { role: 'viewer' })).status).toBe(201);
  });

  it('ends the keys of a user whose every session is revoked by refresh-token reuse', async () => {
    await userWith('mallory', [{ role: 'operator', domain: 'acme' }]);
    const login = await t.login('mallory', 'mallory-password-123');
    const key = await keyOf(login.accessToken, { role: 'viewer', domain: 'acme' });
    expect((await meAs(key.body.key)).status).toBe(200);
    const refresh = () =>
      t.requestAs(null, 'POST', '/api/v1/auth/refresh', { refreshToken: login.refreshToken });
    expect((await refresh()).status).toBe(200);
    // Replayed well after the rotation: theft, so everything of the user ends.
    offsetMs = 60_000;
    try {
      expect((await refresh()).status).toBe(401);
      expect((await meAs(key.body.key)).status).toBe(401);
      const left = await t.request<{ items: Array<{ id: string }> }>('GET', '/api/v1/api-keys');
      expect(left.body.items.map((item) => item.id)).not.toContain(key.body.id);
    } finally {
      offsetMs = 0;
    }
  });

  it('narrows a key to what its creator still holds, on every request', async () => {
    const olgaId = await userWith('olga', [{ role: 'operator', domain: 'acme' }]);
    const token = await signIn('olga');
    const key = await keyOf(token, { role: 'operator', domain: 'acme', project: 'shop' });
    expect(key.status).toBe(201);
    expect((await meAs(key.body.key)).body.bindings).toEqual([
      { role: 'operator', domain: 'acme', project: 'shop' },
    ]);

    const setBindings = async (bindings: unknown[], disabled = false) => {
      const user = await t.store.users.get(olgaId);
      await t.store.users.update({ ...user, bindings: bindings as typeof user.bindings, disabled });
    };
    await setBindings([{ role: 'viewer', domain: 'acme', project: 'shop' }]);
    expect((await meAs(key.body.key)).body.bindings).toEqual([
      { role: 'viewer', domain: 'acme', project: 'shop' },
    ]);
    expect(
      (await t.requestAs({ apiKey: key.body.key }, 'POST', '/api/v1/databases', {})).status,
    ).toBe(403);

    await setBindings([{ role: 'admin', domain: 'globex' }]);
    expect((await meAs(key.body.key)).body.bindings).toEqual([]);
    expect((await t.requestAs({ apiKey: key.body.key }, 'GET', '/api/v1/databases')).status).toBe(
      403,
    );

    await setBindings([{ role: 'admin' }]);
    // Never wider than the key itself, even when the creator gains more.
    expect((await meAs(key.body.key)).body.bindings).toEqual([
      { role: 'operator', domain: 'acme', project: 'shop' },
    ]);
    await setBindings([{ role: 'admin' }], true);
    expect((await meAs(key.body.key)).status).toBe(401);
  });
});
