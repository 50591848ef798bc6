import { createHash, createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isEngineError, type EngineError } from '../../base/errors';
import type { PublicUser, User } from '../../domain';
import type { RefreshToken } from '../../store';
import type { ServiceContext } from '../context';
import { parseInput } from '../validation';
import { unauthenticated, type Principal } from './access';
import { RateLimitedError } from './errors';
import { ACCESS_TOKEN_REFUSED, signJwt, TokenRefusedError, verifyJwt } from './jwt';
import { LoginThrottle, type LoginAttempts, type LoginThrottleOptions } from './login-throttle';
import { dummyPasswordHash, verifyPassword } from './passwords';
import { revokeAllCredentials, revokedBefore } from './revocation';
import { toPublicUser } from './users';

export const TOKEN_ISSUER = 'kubedb-dbaas';
export const TOKEN_AUDIENCE = 'kubedb-dbaas-api';

/** `POST /auth/login` and `/auth/refresh` answer this. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token lives. */
  expiresIn: number;
  user: PublicUser;
}

export interface SessionOptions {
  /** DBAAS_TOKEN_KEY; without it a random key is generated once and kept in the vault. */
  tokenKey?: string;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  throttle?: LoginThrottleOptions;
  /** A throttle shared by every replica (Redis); the in-memory one of `throttle` otherwise. */
  attempts?: LoginAttempts;
  /** Holds back a failed login's answer (a timer in production). */
  wait?: (ms: number) => Promise<void>;
  /**
   * Seconds after a rotation during which the client that rotated a refresh token may present it
   * again and get a fresh pair instead of being taken for a thief (two tabs refreshing at once).
   * Default 10; 0 turns the grace off.
   */
  refreshGraceSeconds?: number;
}

/** Who presents a refresh token: the request's address and user agent (never stored as such). */
export interface RefreshClient {
  address?: string | null;
  userAgent?: string | null;
}

/** A client's fingerprint: a hash, so the store never keeps addresses or user agents. */
function fingerprint(client: RefreshClient): string {
  return sha256Hex(`${client.address ?? ''}\n${client.userAgent ?? ''}`);
}

const LoginRequestSchema = z.object({
  username: z
    .string({ error: 'username must be a string' })
    .min(1, { error: 'username must not be empty' })
    .max(256),
  password: z
    .string({ error: 'password must be a string' })
    .min(1, { error: 'password must not be empty' })
    .max(1024),
});
const RefreshRequestSchema = z.object({
  refreshToken: z.string({ error: 'refreshToken must be a string' }).min(1).max(512),
});

const SIGNING_KEY_REF = { kind: 'signing-key', id: 'access-tokens' } as const;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function badCredentials(): EngineError {
  // The same answer for an unknown user, a wrong password and a disabled account.
  return unauthenticated('wrong username or password');
}

/** The one message of every refresh refusal; `reason` goes to the debug log only. */
export const REFRESH_TOKEN_REFUSED =
  'the refresh token is invalid, expired or already used; sign in again';

function badRefresh(reason: string): TokenRefusedError {
  return new TokenRefusedError(REFRESH_TOKEN_REFUSED, reason);
}

/**
 * Sign-in and sessions: short-lived HS256 access tokens (15 minutes) and opaque, rotating refresh
 * tokens stored only as hashes. Reusing a rotated refresh token is taken as theft: every session
 * of the user ends, access tokens included.
 */
export class SessionService {
  private readonly throttle: LoginAttempts;
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly graceMs: number;
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly context: ServiceContext,
    private readonly options: SessionOptions = {},
  ) {
    this.throttle =
      options.attempts ??
      new LoginThrottle({ now: () => context.now().getTime(), ...options.throttle });
    this.accessTtl = options.accessTtlSeconds ?? 15 * 60;
    this.refreshTtl = options.refreshTtlSeconds ?? 7 * 24 * 60 * 60;
    this.wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.graceMs = (options.refreshGraceSeconds ?? 10) * 1000;
  }

  async login(input: unknown, source: string | null): Promise<TokenResponse> {
    const { username, password } = parseInput(LoginRequestSchema, input);
    const throttleKey = LoginThrottle.key(username, source);
    const lockedMs = await this.throttle.lockedFor(throttleKey);
    if (lockedMs > 0)
      throw new RateLimitedError('too many failed sign-ins; try again later', lockedMs);
    const user = await this.context.store.users.findByUsername(username);
    const matches = await verifyPassword(
      password,
      user?.passwordHash ?? (await dummyPasswordHash()),
    );
    if (!user || !matches || user.disabled) {
      const delay = await this.throttle.failure(throttleKey);
      if (delay > 0) await this.wait(delay);
      throw badCredentials();
    }
    await this.throttle.success(throttleKey);
    return this.issue(user, this.context.newId());
  }

  /**
   * Rotates a refresh token. Presenting a rotated token again ends every session of the user, unless
   * it is the client that rotated it, within the grace (two tabs of one browser racing): that client
   * gets another fresh pair, and the pair the first request got stays valid.
   */
  async refresh(input: unknown, client: RefreshClient = {}): Promise<TokenResponse> {
    try {
      return await this.rotate(input, fingerprint(client));
    } catch (error) {
      if (error instanceof TokenRefusedError)
        this.context.logger.debug({ reason: error.reason }, 'refresh token refused');
      throw error;
    }
  }

  private async rotate(input: unknown, client: string): Promise<TokenResponse> {
    const { refreshToken } = parseInput(RefreshRequestSchema, input);
    const { store } = this.context;
    const hash = sha256Hex(refreshToken);
    const record = await store.refreshTokens.findByHash(hash);
    if (!record) throw badRefresh('unknown');
    if (record.revokedAt !== null) {
      if (await this.inGrace(record, client)) return this.reissue(record);
      if (record.replacedBy !== null)
        await this.revokeEverything(record.userId, 'a rotated refresh token was used again');
      throw badRefresh(record.replacedBy !== null ? 'reused' : 'revoked');
    }
    const now = this.context.now();
    if (Date.parse(record.expiresAt) <= now.getTime()) throw badRefresh('expired');
    const user = await store.users.find(record.userId);
    if (!user || user.disabled) throw badRefresh('user');
    const nextId = this.context.newId();
    // Exactly one of two concurrent uses wins the rotation; the loser is reuse, unless it is the
    // winner's own client within the grace.
    if (!(await store.refreshTokens.revoke(record.id, now.toISOString(), nextId, client))) {
      const current = await store.refreshTokens.findByHash(hash);
      if (current && (await this.inGrace(current, client))) return this.reissue(current);
      await this.revokeEverything(record.userId, 'a refresh token was used twice at once');
      throw badRefresh('reused');
    }
    return this.issue(user, nextId);
  }

  /**
   * A rotated token presented again by the client that rotated it, within the grace, and not
   * revoked since (a revoke-all after the rotation ends the grace).
   */
  private async inGrace(record: RefreshToken, client: string): Promise<boolean> {
    if (this.graceMs <= 0 || record.revokedAt === null || record.replacedBy === null) return false;
    if (record.rotatedBy !== client) return false;
    const rotatedMs = Date.parse(record.revokedAt);
    if (this.context.now().getTime() - rotatedMs > this.graceMs) return false;
    const revoked = await revokedBefore(this.context.store, record.userId);
    return revoked === undefined || revoked < rotatedMs;
  }

  /** Another fresh pair for the grace: a sibling of the token the rotation issued. */
  private async reissue(record: RefreshToken): Promise<TokenResponse> {
    if (Date.parse(record.expiresAt) <= this.context.now().getTime()) throw badRefresh('expired');
    const user = await this.context.store.users.find(record.userId);
    if (!user || user.disabled) throw badRefresh('user');
    this.context.logger.debug(
      { userId: user.id },
      'refresh token presented again within the grace',
    );
    return this.issue(user, this.context.newId());
  }

  /** The principal of a bearer token, or `UNAUTHENTICATED`. */
  async authenticate(token: string): Promise<Principal> {
    try {
      return await this.verifyAccess(token);
    } catch (error) {
      if (error instanceof TokenRefusedError)
        this.context.logger.debug({ reason: error.reason }, 'access token refused');
      throw error;
    }
  }

  private async verifyAccess(token: string): Promise<Principal> {
    const nowMs = this.context.now().getTime();
    const claims = verifyJwt(token, {
      key: await this.signingKey(),
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      now: Math.floor(nowMs / 1000),
      leewaySeconds: 5,
    });
    const user = await this.context.store.users.find(claims.sub);
    if (!user || user.disabled) throw new TokenRefusedError(ACCESS_TOKEN_REFUSED, 'user');
    const before = await revokedBefore(this.context.store, user.id);
    const issuedMs = typeof claims.iat_ms === 'number' ? claims.iat_ms : claims.iat * 1000;
    if (before !== undefined && issuedMs < before)
      throw new TokenRefusedError(ACCESS_TOKEN_REFUSED, 'revoked');
    return toUserPrincipal(user);
  }

  /**
   * Ends every session of the user: refresh tokens, the access tokens issued before now, and the
   * user's API keys (a key minted with a stolen token must not outlive the theft).
   */
  async revokeEverything(userId: string, reason: string): Promise<void> {
    const counts = await revokeAllCredentials(this.context.store, userId, this.context.now());
    this.context.logger.warn({ userId, reason, ...counts }, 'all sessions of a user were revoked');
  }

  private async issue(user: User, refreshId: string): Promise<TokenResponse> {
    const now = this.context.now();
    const iat = Math.floor(now.getTime() / 1000);
    const accessToken = signJwt(
      {
        iss: TOKEN_ISSUER,
        aud: TOKEN_AUDIENCE,
        sub: user.id,
        iat,
        nbf: iat,
        exp: iat + this.accessTtl,
        jti: this.context.newId(),
        iat_ms: now.getTime(),
      },
      await this.signingKey(),
    );
    const refreshToken = randomBytes(32).toString('base64url');
    await this.context.store.refreshTokens.create({
      id: refreshId,
      userId: user.id,
      tokenHash: sha256Hex(refreshToken),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.refreshTtl * 1000).toISOString(),
      revokedAt: null,
      replacedBy: null,
    });
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTtl,
      user: toPublicUser(user),
    };
  }

  /**
   * A key for another purpose (signing list cursors), derived from the token key, so that replicas
   * sharing `DBAAS_TOKEN_KEY` agree on it and the token key itself signs only tokens.
   */
  async deriveKey(purpose: string): Promise<Buffer> {
    return createHmac('sha256', await this.signingKey())
      .update(`dbaas derived key: ${purpose}`, 'utf8')
      .digest();
  }

  private signingKey(): Promise<Buffer> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async loadKey(): Promise<Buffer> {
    if (this.options.tokenKey) return Buffer.from(this.options.tokenKey, 'utf8');
    const { vault } = this.context;
    try {
      return Buffer.from(await vault.get(SIGNING_KEY_REF), 'base64url');
    } catch (error) {
      if (!(isEngineError(error) && error.code === 'NOT_FOUND')) throw error;
    }
    const generated = randomBytes(32).toString('base64url');
    // Replicas starting together on a shared vault all keep the first key written.
    if (vault.putIfAbsent)
      return Buffer.from(await vault.putIfAbsent(SIGNING_KEY_REF, generated), 'base64url');
    await vault.put(SIGNING_KEY_REF, generated);
    return Buffer.from(generated, 'base64url');
  }
}

export function toUserPrincipal(user: User): Principal {
  return {
    kind: 'user',
    id: user.id,
    actor: user.username,
    bindings: user.bindings,
    userId: user.id,
    user: toPublicUser(user),
  };
}
