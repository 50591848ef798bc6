import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_REFUSED,
  signJwt,
  TokenRefusedError,
  verifyJwt,
  type JwtClaims,
  type VerifyOptions,
} from './jwt';

const key = Buffer.from('unit-test-key-unit-test-key-0123456789');
const options: VerifyOptions = { key, issuer: 'iss', audience: 'aud', now: 1_000 };
const claims: JwtClaims = {
  iss: 'iss',
  aud: 'aud',
  sub: 'u1',
  iat: 990,
  nbf: 990,
  exp: 1_900,
  jti: 'j',
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function rule(token: string, overrides: Partial<typeof options> = {}): string | undefined {
  try {
    verifyJwt(token, { ...options, ...overrides });
    return undefined;
  } catch (error) {
    // The answer says one thing; the failing check is only on the error, for the debug log.
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as TokenRefusedError).message).toBe(ACCESS_TOKEN_REFUSED);
    expect((error as TokenRefusedError).details).toEqual([]);
    return (error as TokenRefusedError).reason;
  }
}

describe('the HS256-only JWT', () => {
  it('round-trips claims', () => {
    expect(verifyJwt(signJwt(claims, key), options)).toMatchObject({ sub: 'u1', jti: 'j' });
  });

  it('refuses other algorithms before looking at the signature', () => {
    const payload = b64(claims);
    expect(rule(`${b64({ alg: 'none' })}.${payload}.`)).toBe('algorithm');
    const input = `${b64({ alg: 'HS384', typ: 'JWT' })}.${payload}`;
    expect(rule(`${input}.${createHmac('sha384', key).update(input).digest('base64url')}`)).toBe(
      'algorithm',
    );
    expect(rule(`${b64({ alg: 'HS256', crit: ['exp'] })}.${payload}.x`)).toBe('algorithm');
  });

  it('refuses a wrong signature, issuer, audience, expiry and not-before', () => {
    expect(rule(signJwt(claims, Buffer.from('another-key-another-key-0123456789')))).toBe(
      'signature',
    );
    expect(rule(signJwt({ ...claims, iss: 'x' }, key))).toBe('issuer');
    expect(rule(signJwt({ ...claims, aud: 'x' }, key))).toBe('audience');
    expect(rule(signJwt(claims, key), { now: 1_900 })).toBe('expired');
    expect(rule(signJwt({ ...claims, nbf: 1_010 }, key))).toBe('not-yet-valid');
    expect(rule(signJwt({ ...claims, nbf: 1_010 }, key), { leewaySeconds: 10 })).toBeUndefined();
    expect(rule('a.b')).toBe('malformed');
    expect(rule('a.b.c!')).toBe('malformed');
  });
});
