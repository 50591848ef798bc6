import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt, TOKEN_AUDIENCE, TOKEN_ISSUER, type JwtClaims } from '../../engine/services/auth';
import { startTestEngine, TEST_ADMIN_PASSWORD, type TestEngine } from '../helpers/engine';

/** Sign-in, tokens, refresh rotation with reuse detection, lockout, API keys and users, end to end. */

const TOKEN_KEY = 'token-tests-signing-key-0123456789abcdef';
const key = Buffer.from(TOKEN_KEY, 'utf8');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('tokens and sessions', () => {
  let t: TestEngine;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestEngine({ config: { tokenKey: TOKEN_KEY } });
    adminId = (await t.login('admin', TEST_ADMIN_PASSWORD)).user.id;
  });

  afterAll(async () => {
    await t?.stop();
  });

  function claims(overrides: Partial<JwtClaims> = {}): JwtClaims {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: adminId,
      iat: now,
      nbf: now,
      exp: now + 600,
      jti: 'x',
      ...overrides,
    };
  }

  const me = (token: string) =>
    t.requestAs<{ user: { username: string } }>({ token }, 'GET', '/api/v1/auth/me');

  it('signs in the bootstrap admin and answers who it is', async () => {
    const login = await t.login('admin', TEST_ADMIN_PASSWORD);
    expect(login).toMatchObject({
      expiresIn: 900,
      user: { username: 'admin', bindings: [{ role: 'admin' }] },
    });
    expect(JSON.stringify(login.user)).not.toContain('passwordHash');
    const [header] = login.accessToken.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const answer = await me(login.accessToken);
    expect(answer.status).toBe(200);
    expect(answer.body.user.username).toBe('admin');
    expect((await me(signJwt(claims(), key))).status).toBe(200);
  });

  it('refuses alg none, a wrong signature, audience or issuer, and expired or future tokens', async () => {
    const good = signJwt(claims(), key);
    const [, payload] = good.split('.');
    const refused = {
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      algNoneSigned: `${b64({ alg: 'none' })}.${payload}.${good.split('.')[2]}`,
      hs512: (() => {
        const input = `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}`;
        return `${input}.${createHmac('sha512', key).update(input).digest('base64url')}`;
      })(),
      wrongSignature: signJwt(claims(), Buffer.from('another-key-of-sufficient-length-000000')),
      tamperedPayload: `${good.split('.')[0]}.${b64({ ...claims(), sub: 'someone-else' })}.${good.split('.')[2]}`,
      wrongAudience: signJwt(claims({ aud: 'another-api' }), key),
      wrongIssuer: signJwt(claims({ iss: 'someone' }), key),
      expired: signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 30 }), key),
      notYetValid: signJwt(claims({ nbf: Math.floor(Date.now() / 1000) + 600 }), key),
      unknownUser: signJwt(claims({ sub: 'no-such-user' }), key),
      garbage: 'not.a.jwt',
    };
    for (const [name, token] of Object.entries(refused)) {
      const answer = await me(token);
      expect(answer.status, name).toBe(401);
      // One answer for every failed check: nothing says which check it was.
      expect(answer.body, name).toEqual({
        error: {
          code: 'UNAUTHENTICATED',
          message: 'the access token is invalid or expired',
          details: [],
          requestId: expect.any(String),
        },
      });
    }
  });

  it('rotates refresh tokens and ends every session when one is used twice', async () => {
    const first = await t.login('admin', TEST_ADMIN_PASSWORD);
    const other = await t.login('admin', TEST_ADMIN_PASSWORD);
    const rotated = await t.requestAs<{ accessToken: string; refreshToken: string }>(
      null,
      'POST',
      '/api/v1/auth/refresh',
      { refreshToken: first.refreshToken },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect((await me(rotated.body.accessToken)).status).toBe(200);

    // Replayed from another client (the rotating client itself has a short grace: two tabs).
    const reused = await t.requestAs(
      null,
      'POST',
      '/api/v1/auth/refresh',
      { refreshToken: first.refreshToken },
      '10.8.0.9',
    );
    expect(reused.status).toBe(401);
    const refusedRefresh = {
      error: {
        code: 'UNAUTHENTICATED',
        message: 'the refresh token is invalid, expired or already used; sign in again',
        details: [],
        requestId: expect.any(String),
      },
    };
    expect(reused.body).toEqual(refusedRefresh);
    // The whole family and every other session of the user: refresh tokens and access tokens.
    expect(
      (
        await t.requestAs(null, 'POST', '/api/v1/auth/refresh', {
          refreshToken: rotated.body.refreshToken,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await t.requestAs(null, 'POST', '/api/v1/auth/refresh', {
          refreshToken: other.refreshToken,
        })
      ).status,
    ).toBe(401);
    expect((await me(rotated.body.accessToken)).status).toBe(401);
    expect((await me(other.accessToken)).status).toBe(401);
    // Signing in again works.
    const again = await t.login('admin', TEST_ADMIN_PASSWORD);
    expect((await me(again.accessToken)).status).toBe(200);
    const madeUp = await t.requestAs(null, 'POST', '/api/v1/auth/refresh', {
      refreshToken: 'made-up',
    });
    expect(madeUp.status).toBe(401);
    expect(madeUp.body).toEqual(refusedRefresh);
  });

  it('answers unknown users and wrong passwords alike, slows down and then locks', async () => {
    const attempt = (username: string, password: string, address: string) =>
      t.requestAs<{ error: { code: string; message: string } }>(
        null,
        'POST',
        '/api/v1/auth/login',
        { username, password },
        address,
      );
    const wrong = await attempt('admin', 'wrong-password', '10.9.0.1');
    const unknown = await attempt('nobody', 'wrong-password', '10.9.0.1');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({
      ...wrong.body,
      error: { ...wrong.body.error, requestId: expect.any(String) },
    });

    const started = Date.now();
    for (let i = 0; i < 4; i++)
      expect((await attempt('admin', 'still-wrong', '10.9.0.2')).status).toBe(401);
    // Failures 2..4 were held back (100 + 200 + 400 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    const fifth = await attempt('admin', 'still-wrong', '10.9.0.2');
    expect(fifth.status).toBe(401);
    const locked = await attempt('admin', TEST_ADMIN_PASSWORD, '10.9.0.2');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    // An unknown user locks the same way, so a lock reveals nothing.
    for (let i = 0; i < 5; i++) await attempt('nobody', 'x', '10.9.0.3');
    expect((await attempt('nobody', 'x', '10.9.0.3')).status).toBe(429);
    // The lock is per username and source: the admin elsewhere is unaffected.
    expect((await attempt('admin', TEST_ADMIN_PASSWORD, '10.9.0.4')).status).toBe(200);
  }, 30_000);

  it('issues API keys once, within the creator’s bindings, usable as X-API-Key until revoked', async () => {
    const created = await t.request<{ id: string; key: string; prefix: string; hash?: string }>(
      'POST',
      '/api/v1/api-keys',
      {
        name: 'ci',
        role: 'viewer',
        domain: 'acme',
        project: 'shop',
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^dbaas_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.hash).toBeUndefined();
    const listed = await t.request<{ items: unknown[] }>('GET', '/api/v1/api-keys');
    expect(listed.text).not.toContain(created.body.key);
    expect(listed.text).not.toContain('hash');

    const asKey = { apiKey: created.body.key };
    const identity = await t.requestAs<{ kind: string; bindings: unknown[] }>(
      asKey,
      'GET',
      '/api/v1/auth/me',
    );
    expect(identity.body).toMatchObject({
      kind: 'api-key',
      bindings: [{ role: 'viewer', domain: 'acme', project: 'shop' }],
    });
    expect((await t.requestAs(asKey, 'GET', '/api/v1/databases')).status).toBe(200);
    expect((await t.requestAs(asKey, 'POST', '/api/v1/databases', {})).status).toBe(403);
    expect(
      (
        await t.requestAs(asKey, 'POST', '/api/v1/api-keys', {
          name: 'k',
          role: 'viewer',
          domain: 'acme',
          project: 'shop',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.requestAs(
          { apiKey: `${created.body.key.slice(0, -1)}x` },
          'GET',
          '/api/v1/databases',
        )
      ).status,
    ).toBe(401);

    expect((await t.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await t.requestAs(asKey, 'GET', '/api/v1/databases')).status).toBe(401);
  });

  it('lets admins create users whose keys cannot exceed their own bindings', async () => {
    const user = await t.request<{ id: string; passwordHash?: string }>('POST', '/api/v1/users', {
      username: 'olga',
      password: 'olga-password-123',
      bindings: [{ role: 'operator', domain: 'acme', project: 'shop' }],
    });
    expect(user.status).toBe(201);
    expect(user.body.passwordHash).toBeUndefined();
    expect(
      (
        await t.request('POST', '/api/v1/users', {
          username: 'olga',
          password: 'olga-password-123',
        })
      ).status,
    ).toBe(409);
    expect(
      (await t.request('POST', '/api/v1/users', { username: 'short', password: 'short' })).status,
    ).toBe(400);
    const olga = await t.login('olga', 'olga-password-123');
    const asOlga = { token: olga.accessToken };
    expect(
      (await t.requestAs(asOlga, 'POST', '/api/v1/api-keys', { name: 'wider', role: 'admin' }))
        .status,
    ).toBe(403);
    expect(
      (
        await t.requestAs(asOlga, 'POST', '/api/v1/api-keys', {
          name: 'other',
          role: 'viewer',
          domain: 'acme',
          project: 'other',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.requestAs(asOlga, 'POST', '/api/v1/api-keys', {
          name: 'same',
          role: 'viewer',
          domain: 'acme',
          project: 'shop',
        })
      ).status,
    ).toBe(201);
    expect((await t.requestAs(asOlga, 'GET', '/api/v1/users')).status).toBe(403);
  });
});
