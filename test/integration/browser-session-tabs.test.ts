/**
 * The browser console's session across tabs, against a real daemon over HTTP: the refresh token
 * lives in the daemon's httpOnly cookie, which every tab of a browser shares (here one cookie jar
 * for two TokenManagers), and Web Locks (here one in-process lock manager) keep two tabs from
 * rotating it at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenManager, type LockManagerLike } from '../../src/shared/api/session';
import { TEST_ADMIN_PASSWORD, startTestEngine, type TestEngine } from '../helpers/engine';

/** What a browser does with cookies for one origin: keeps them, sends those whose path matches. */
function browser(origin: string) {
  const jar = new Map<
    string,
    { value: string; path: string; httpOnly: boolean; sameSite: string }
  >();
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      origin,
    );
    const headers = new Headers(init?.headers);
    const send = [...jar.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(`${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`);
    if (send.length > 0 && init?.credentials !== 'omit') headers.set('cookie', send.join('; '));
    const response = await fetch(url, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const [name, value] = pair!.split('=') as [string, string];
      const attr = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(key.toLowerCase()));
      if (attr('Max-Age=0')) jar.delete(name);
      else
        jar.set(name, {
          value,
          path: attr('Path=')?.slice(5) ?? '/',
          httpOnly: attr('HttpOnly') !== undefined,
          sameSite: attr('SameSite=')?.slice(9) ?? '',
        });
    }
    return response;
  };
  return { jar, fetchImpl };
}

/** navigator.locks for the tabs of one browser: one holder per name, the others wait in order. */
function lockManager(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const run = (tails.get(name) ?? Promise.resolve()).then(callback, callback);
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

describe('the browser session across tabs', () => {
  let t: TestEngine;
  let address: string;

  beforeAll(async () => {
    t = await startTestEngine();
    address = await t.engine.api.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  const me = async (tab: TokenManager): Promise<number> =>
    (
      await fetch(`${address}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${await tab.token()}` },
      })
    ).status;

  it('lets a new tab resume the session from the httpOnly cookie, and sign-out end it for all', async () => {
    const { jar, fetchImpl } = browser(address);
    const locks = lockManager();
    const storage = new Map<string, string>();
    const tabStorage = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    };
    const first = new TokenManager(address, fetchImpl, tabStorage, Date.now, {
      cookie: true,
      locks,
    });
    await first.login('admin', TEST_ADMIN_PASSWORD);
    expect(await me(first)).toBe(200);
    // The refresh token is in no script's reach: not in the tab's storage, only in the cookie.
    expect(storage.size).toBe(0);
    const cookie = jar.get('dbaas_refresh');
    expect(cookie).toMatchObject({
      path: '/api/v1/auth/refresh',
      httpOnly: true,
      sameSite: 'Strict',
    });

    // A new tab: nothing of its own, yet it resumes without signing in.
    const second = new TokenManager(address, fetchImpl, null, Date.now, { cookie: true, locks });
    expect(second.canResume).toBe(true);
    expect(await second.refresh()).toBe(true);
    expect(second.user?.username).toBe('admin');
    expect(await me(second)).toBe(200);

    // Both tabs refresh at once, again and again: one at a time, so no refresh token is reused
    // (which would end every session of the user).
    for (let i = 0; i < 3; i++) {
      const results = await Promise.all([first.refresh(), second.refresh()]);
      expect(results).toEqual([true, true]);
    }
    expect(await me(first)).toBe(200);
    expect(await me(second)).toBe(200);

    // Signing out clears the cookie for every tab; a tab opened afterwards signs in again.
    first.logout();
    await expect.poll(() => jar.has('dbaas_refresh'), { timeout: 5000 }).toBe(false);
    const third = new TokenManager(address, fetchImpl, null, Date.now, { cookie: true, locks });
    expect(await third.refresh()).toBe(false);
    expect(third.canResume).toBe(false);
  });

  it('keeps the body form for API clients and refuses a cookie refresh without a cookie', async () => {
    const plain = await fetch(`${address}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(plain.headers.getSetCookie()).toEqual([]);
    expect(((await plain.json()) as { refreshToken?: string }).refreshToken).toEqual(
      expect.any(String),
    );
    const cookieLogin = await fetch(`${address}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dbaas-session': 'cookie' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(await cookieLogin.json()).not.toHaveProperty('refreshToken');
    const refused = await fetch(`${address}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dbaas-session': 'cookie' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});
