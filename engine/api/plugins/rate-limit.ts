import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  RateLimitedError,
  type Principal,
  type RateDecision,
  type RateLimiter,
} from '../../services/auth';
import type { CallerCheck } from './auth';

/** Requests per window for each class of call (API.md: reads 100, writes 60, bulk 10 a minute). */
export interface RateLimits {
  readsPerWindow: number;
  writesPerWindow: number;
  bulkPerWindow: number;
  /** Default one minute. */
  windowMs?: number;
}

export interface RateLimitOptions {
  limiter: RateLimiter;
  limits: RateLimits;
  logger: Logger;
}

export type CallClass = 'read' | 'write' | 'bulk';

/** A list asking for more than this many items is a bulk read. */
const BULK_LIMIT = 100;

/**
 * What a `304 Not Modified` costs, in reads: the caller learns only that nothing changed and
 * receives no body, so revalidating what a page already shows is cheap — but not free, so that
 * conditional requests cannot make the server's work unlimited.
 */
export const REVALIDATION_COST = 0.25;

/** The sign-in route: limited per username and client address once its body is read. */
const LOGIN_URL = '/api/v1/auth/login';

/**
 * read, write or bulk. A list is bulk when it asks for more than 100 items, whether it is the first
 * page or a later one (a `cursor` changes where a page starts, not what it costs).
 */
export function callClass(request: FastifyRequest): CallClass {
  if (request.method !== 'GET' && request.method !== 'HEAD') return 'write';
  const query = (request.query as Record<string, unknown> | undefined) ?? {};
  const limit = Number(query.limit);
  return Number.isFinite(limit) && limit > BULK_LIMIT ? 'bulk' : 'read';
}

/**
 * Whose bucket a call is counted in: the user's (an API key counts for the user who created it, so
 * more keys do not mean more requests), or for anonymous callers their client address (which
 * honours `X-Forwarded-For` only from the configured trusted proxies).
 */
export function rateLimitIdentity(request: FastifyRequest, principal: Principal | null): string {
  if (principal?.userId) return `user:${principal.userId}`;
  if (principal) return `${principal.kind}:${principal.id}`;
  return `ip:${request.ip}`;
}

interface Counted {
  key: string;
  limit: number;
  decision: RateDecision;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The bucket this call was counted in, for the RateLimit headers and 304 refunds. */
    rateLimited: Counted | null;
  }
}

/**
 * Rate limits per user (anonymous callers per client address; sign-ins per username and client
 * address), as token buckets: each class of call holds its limit and refills evenly over the
 * window, so no window edge admits twice the limit. Every counted answer carries the IETF draft's
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the bucket is full) and
 * `RateLimit-Policy`; a 429 carries `Retry-After` too. Health probes are exempt (load balancers
 * poll them), and so is the desktop's local admin: its calls come only from the app's own window
 * through main. When the shared limiter (Redis) fails, calls are let through and the failure is
 * logged: the limiter protects the engine, it must not take it down.
 *
 * Returns the check the auth plugin runs once the caller is identified.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): CallerCheck {
  const windowMs = options.limits.windowMs ?? 60_000;
  const limitOf = (kind: CallClass): number =>
    kind === 'bulk'
      ? options.limits.bulkPerWindow
      : kind === 'write'
        ? options.limits.writesPerWindow
        : options.limits.readsPerWindow;

  const count = async (
    request: FastifyRequest,
    key: string,
    limit: number,
    what: string,
  ): Promise<void> => {
    let decision: RateDecision;
    try {
      decision = await options.limiter.hit(key, limit, windowMs);
    } catch (error) {
      options.logger.warn({ err: error }, 'the rate limiter failed; the call is let through');
      return;
    }
    request.rateLimited = { key, limit, decision };
    if (!decision.allowed) {
      const wait = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new RateLimitedError(
        `too many ${what}: at most ${limit} per ${Math.round(windowMs / 1000)} s; try again in ${wait} s`,
        decision.retryAfterMs,
      );
    }
  };

  app.decorateRequest('rateLimited', null);

  // Sign-ins are counted once the body names the user: one client guessing one account's password
  // must not block everyone else's sign-in from behind the same proxy.
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.url !== LOGIN_URL) return;
    if (request.principal?.kind === 'desktop') return;
    const username = (request.body as { username?: unknown } | null)?.username;
    const name = typeof username === 'string' ? username.trim().toLowerCase().slice(0, 100) : '-';
    await count(request, `login:${name}|${request.ip}`, limitOf('write'), 'sign-in attempts');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const counted = request.rateLimited;
    if (!counted) return payload;
    if (reply.statusCode === 304 && counted.decision.allowed) {
      try {
        counted.decision = await options.limiter.hit(
          counted.key,
          counted.limit,
          windowMs,
          REVALIDATION_COST - 1,
        );
      } catch (error) {
        options.logger.warn({ err: error }, 'the rate limiter failed to refund a revalidation');
      }
    }
    setRateLimitHeaders(reply, counted, windowMs);
    return payload;
  });

  return async (request: FastifyRequest, principal: Principal | null) => {
    if (principal?.kind === 'desktop' || request.url.startsWith('/api/v1/health')) return;
    if (request.method === 'POST' && request.routeOptions.url === LOGIN_URL) return;
    const kind = callClass(request);
    await count(
      request,
      `${kind}:${rateLimitIdentity(request, principal)}`,
      limitOf(kind),
      `${kind} requests`,
    );
  };
}

function setRateLimitHeaders(reply: FastifyReply, counted: Counted, windowMs: number): void {
  const { decision, limit } = counted;
  void reply.header('ratelimit-limit', String(limit));
  void reply.header('ratelimit-remaining', String(decision.remaining));
  void reply.header('ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
  void reply.header('ratelimit-policy', `${limit};w=${Math.round(windowMs / 1000)}`);
}
