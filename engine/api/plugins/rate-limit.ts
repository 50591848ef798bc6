import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { RateLimitedError, type Principal, type RateLimiter } from '../../services/auth';
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

/** A list asking for more than this many items is a bulk read. */
const BULK_LIMIT = 100;

/** read, write or bulk: bulk = the first page of a list with `?limit` over 100. */
export function callClass(request: FastifyRequest): 'read' | 'write' | 'bulk' {
  if (request.method !== 'GET' && request.method !== 'HEAD') return 'write';
  const query = (request.query as Record<string, unknown> | undefined) ?? {};
  const limit = Number(query.limit);
  // Only the first page of a large list is bulk: following its cursor is reading the same list, so
  // a console can page through 10,000 databases without running out of bulk calls.
  if (typeof query.cursor === 'string' && query.cursor !== '') return 'read';
  return Number.isFinite(limit) && limit > BULK_LIMIT ? 'bulk' : 'read';
}

/**
 * Rate limits per identity (anonymous callers per source address). Health probes are exempt (load
 * balancers poll them), and so is the desktop's local admin: its calls come only from the app's own
 * window through main, and one user must not be locked out of their own console. When the shared
 * limiter (Redis) fails, calls are let through and the failure is logged: the limiter protects the
 * engine, it must not take it down.
 */
export function createRateLimitCheck(options: RateLimitOptions): CallerCheck {
  const windowMs = options.limits.windowMs ?? 60_000;
  return async (request: FastifyRequest, principal: Principal | null) => {
    if (principal?.kind === 'desktop' || request.url.startsWith('/api/v1/health')) return;
    const kind = callClass(request);
    const limit =
      kind === 'bulk'
        ? options.limits.bulkPerWindow
        : kind === 'write'
          ? options.limits.writesPerWindow
          : options.limits.readsPerWindow;
    const identity = principal ? `${principal.kind}:${principal.id}` : `ip:${request.ip}`;
    let decision;
    try {
      decision = await options.limiter.hit(`${kind}:${identity}`, limit, windowMs);
    } catch (error) {
      options.logger.warn({ err: error }, 'the rate limiter failed; the call is let through');
      return;
    }
    if (!decision.allowed) {
      throw new RateLimitedError(
        `too many ${kind} requests: at most ${limit} per ${Math.round(windowMs / 1000)} s`,
        decision.resetMs,
      );
    }
  };
}
