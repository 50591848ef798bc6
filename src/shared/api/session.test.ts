import { describe, expect, it } from 'vitest';
import { createHttpClient } from './http-client';
import { TokenManager, type TokenStorage } from './session';

function memory(): TokenStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** A tiny daemon: login and refresh hand out numbered tokens; /thing accepts only the newest. */
function daemon() {
  let issued = 0;
  let valid = '';
  const seen: string[] = [];
  const tokens = () => {
    issued += 1;
    valid = `access-${issued}`;
    return {
      accessToken: valid,
      refreshToken: `refresh-${issued}`,
      expiresIn: 900,
      user: { id: 'u', username: 'admin', bindings: [] },
    };
  };
  const fetchImpl: typeof fetch = async (url, init) => {
    const path = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    seen.push(`${path} ${auth}`);
    if (path.endsWith('/auth/login')) {
      const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
        password: string;
      };
      if (body.password !== 'right')
        return Response.json(
          {
            error: { code: 'UNAUTHENTICATED', message: 'wrong username or password', details: [] },
          },
          { status: 401 },
        );
      return Response.json(tokens());
    }
    if (path.endsWith('/auth/refresh')) return Response.json(tokens());
    if (auth !== `Bearer ${valid}`)
      return Response.json(
        { error: { code: 'UNAUTHENTICATED', message: 'expired', details: [] } },
        { status: 401 },
      );
    return Response.json({ ok: true });
  };
  return { fetchImpl, seen, expire: () => (valid = 'none-valid-until-refresh') };
}

describe('the session and the HTTP client', () => {
  it('refuses a wrong password with the API message', async () => {
    const { fetchImpl } = daemon();
    const session = new TokenManager('', fetchImpl, memory());
    await expect(session.login('admin', 'wrong')).rejects.toThrow('wrong username or password');
    expect(session.user).toBeNull();
  });

  it('signs calls with the bearer token and refreshes once after a 401', async () => {
    const server = daemon();
    const storage = memory();
    const session = new TokenManager('', server.fetchImpl, storage);
    await session.login('admin', 'right');
    expect(storage.data.get('dbaas.refreshToken')).toBe('refresh-1');
    const client = createHttpClient('', server.fetchImpl, session);
    await expect(client.request('GET', '/api/v1/thing')).resolves.toEqual({ ok: true });
    server.expire();
    await expect(client.request('GET', '/api/v1/thing')).resolves.toEqual({ ok: true });
    expect(server.seen.filter((s) => s.includes('/thing'))).toEqual([
      '/api/v1/thing Bearer access-1',
      '/api/v1/thing Bearer access-1',
      '/api/v1/thing Bearer access-2',
    ]);
    expect(storage.data.get('dbaas.refreshToken')).toBe('refresh-2');
    session.logout();
  });

  it('refreshes before the access token expires', async () => {
    const server = daemon();
    let now = 1_000_000;
    const session = new TokenManager('', server.fetchImpl, memory(), () => now);
    await session.login('admin', 'right');
    now += 850_000;
    await expect(session.token()).resolves.toBe('access-2');
    session.logout();
  });

  it('resumes a session from the stored refresh token', async () => {
    const server = daemon();
    const storage = memory();
    storage.setItem('dbaas.refreshToken', 'refresh-0');
    const session = new TokenManager('', server.fetchImpl, storage);
    expect(session.canResume).toBe(true);
    await expect(session.refresh()).resolves.toBe(true);
    expect(session.user?.username).toBe('admin');
    session.logout();
    expect(storage.data.has('dbaas.refreshToken')).toBe(false);
  });
});
