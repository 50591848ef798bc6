import { createHmac, timingSafeEqual } from 'node:crypto';
import { EngineError } from '../../base/errors';

/**
 * A deliberately small JWT implementation: HS256 only. The algorithm is pinned rather than read from
 * the token, so `alg: none` and algorithm-confusion tokens are refused before any key is used.
 */
const HEADER = { alg: 'HS256', typ: 'JWT' } as const;

/** The registered claims the engine issues and checks, plus our own. */
export interface JwtClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

export interface VerifyOptions {
  key: Buffer;
  issuer: string;
  audience: string;
  /** Seconds since the epoch. */
  now: number;
  /** Tolerated clock skew for `exp` and `nbf`, in seconds. */
  leewaySeconds?: number;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function sign(input: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(input).digest();
}

/** Signs the claims with HS256. */
export function signJwt(claims: JwtClaims, key: Buffer): string {
  const input = `${encode(HEADER)}.${encode(claims)}`;
  return `${input}.${sign(input, key).toString('base64url')}`;
}

/**
 * A refused token (401). Every refusal says the same thing and carries no details: which check
 * failed helps an attacker more than a user. `reason` names the check for the debug log only; it is
 * never part of the answer.
 */
export class TokenRefusedError extends EngineError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super('UNAUTHENTICATED', message);
    this.name = 'TokenRefusedError';
  }
}

/** The one message of every access-token refusal. */
export const ACCESS_TOKEN_REFUSED = 'the access token is invalid or expired';

function refuse(reason: string): TokenRefusedError {
  return new TokenRefusedError(ACCESS_TOKEN_REFUSED, reason);
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Verifies a token and returns its claims, or throws `UNAUTHENTICATED`. Checks, in order: shape,
 * header (`alg` must be HS256, no `crit`), signature (constant-time), `iss`, `aud`, `exp`, `nbf`.
 */
export function verifyJwt(token: string, options: VerifyOptions): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part)))
    throw refuse('malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  if (
    !header ||
    header.alg !== 'HS256' ||
    (header.typ !== undefined && header.typ !== 'JWT') ||
    'crit' in header
  ) {
    throw refuse('algorithm');
  }
  const expected = sign(`${headerPart}.${payloadPart}`, options.key);
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    throw refuse('signature');
  const claims = decodeJson(payloadPart);
  if (!claims) throw refuse('malformed');
  const leeway = options.leewaySeconds ?? 0;
  if (claims.iss !== options.issuer) throw refuse('issuer');
  const audience = claims.aud;
  if (!(
    audience === options.audience ||
    (Array.isArray(audience) && audience.includes(options.audience))
  )) {
    throw refuse('audience');
  }
  if (typeof claims.exp !== 'number' || options.now >= claims.exp + leeway) throw refuse('expired');
  if (typeof claims.nbf !== 'number' || options.now + leeway < claims.nbf)
    throw refuse('not-yet-valid');
  if (typeof claims.sub !== 'string' || typeof claims.iat !== 'number') throw refuse('malformed');
  return claims as JwtClaims;
}
