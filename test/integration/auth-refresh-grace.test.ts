import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../engine/base/clock';
import { startTestEngine, TEST_ADMIN_PASSWORD, type TestEngine } from '../helpers/engine';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * Two tabs of one browser refreshing the same token at once keep the user signed in; the same token
 * from another client, or after the 10 s grace, is still taken for theft and ends every session.
 */
describe('the refresh grace', () => {
  let t: TestEngine;
  // The engine's time only moves forward (a revocation holds for every token issued before it).
  let offsetMs = 0;
  const clock: Clock = { ...systemClock, now: () => Date.now() + offsetMs };
  const browser = { 'user-agent': 'Mozilla/5.0 test-tab' };

  beforeAll(async () => {
    t = await startTestEngine({ engine: { clock } });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const refresh = (refreshToken: string, address = '10.7.0.1', headers = browser) =>
    t.requestAs<Tokens>({ headers }, 'POST', '/api/v1/auth/refresh', { refreshToken }, address);
  const me = (token: string) => t.requestAs({ token }, 'GET', '/api/v1/auth/me');

  async function stillSignedIn(tokens: Tokens): Promise<void> {
    expect((await me(tokens.accessToken)).status).toBe(200);
    const next = await refresh(tokens.refreshToken);
    expect(next.status).toBe(200);
    expect((await me(next.body.accessToken)).status).toBe(200);
  }

  it('answers two tabs refreshing one token at once with two working pairs', async () => {
    const login = await t.login('admin', TEST_ADMIN_PASSWORD);
    const [a, b] = await Promise.all([refresh(login.refreshToken), refresh(login.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.refreshToken).not.toBe(b.body.refreshToken);
    await stillSignedIn(a.body);
    await stillSignedIn(b.body);
  });

  it('answers the same client again within the grace, one after the other', async () => {
    const login = await t.login('admin', TEST_ADMIN_PASSWORD);
    const first = await refresh(login.refreshToken);
    offsetMs += 9_000;
    const again = await refresh(login.refreshToken);
    expect(again.status).toBe(200);
    await stillSignedIn(first.body);
    await stillSignedIn(again.body);
  });

  it('still ends every session when the token comes back after the grace', async () => {
    const login = await t.login('admin', TEST_ADMIN_PASSWORD);
    const first = await refresh(login.refreshToken);
    expect(first.status).toBe(200);
    offsetMs += 11_000;
    expect((await me(first.body.accessToken)).status).toBe(200);
    expect((await refresh(login.refreshToken)).status).toBe(401);
    expect((await me(first.body.accessToken)).status).toBe(401);
    expect((await refresh(first.body.refreshToken)).status).toBe(401);
    offsetMs += 1_000; // tokens issued from now on postdate the revocation
  });

  it('still ends every session when another client presents the token within the grace', async () => {
    for (const [address, headers] of [
      ['10.7.0.66', browser],
      ['10.7.0.1', { 'user-agent': 'curl/8.0' }],
    ] as const) {
      const login = await t.login('admin', TEST_ADMIN_PASSWORD);
      const first = await refresh(login.refreshToken);
      expect(first.status).toBe(200);
      expect((await me(first.body.accessToken)).status).toBe(200);
      expect((await refresh(login.refreshToken, address, headers)).status).toBe(401);
      expect((await me(first.body.accessToken)).status).toBe(401);
      // Nor does the grace survive the revocation: the rotating client is refused too now.
      expect((await refresh(login.refreshToken)).status).toBe(401);
      expect((await refresh(first.body.refreshToken)).status).toBe(401);
      offsetMs += 1_000; // tokens issued from now on postdate the revocation
    }
  });
});
