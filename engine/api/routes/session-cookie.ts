import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthenticated } from '../../services/auth';

/**
 * The browser console's refresh token, kept where no script can read it: an httpOnly cookie,
 * `SameSite=Strict`, `Secure` over https, sent only to `/api/v1/auth/refresh`. Every tab of the
 * browser shares it, so a new tab resumes the session without signing in again, and an XSS cannot
 * steal it (the sessionStorage it replaces was readable by any script on the page). A page opts
 * in with `X-DBaaS-Session: cookie`; API clients keep the token in the body, as API.md has it.
 * Cross-site requests cannot use the cookie: SameSite=Strict keeps the browser from sending it,
 * and the custom header would need a CORS preflight that the daemon never grants.
 */
export const SESSION_HEADER = 'x-dbaas-session';
export const REFRESH_COOKIE = 'dbaas_refresh';
const REFRESH_PATH = '/api/v1/auth/refresh';
/**
 * A script-readable marker beside the httpOnly cookie, holding no secret: it only tells the page
 * that a session may be resumed, so a browser without one does not ask (and log a 401).
 */
export const SESSION_MARKER_COOKIE = 'dbaas_session';

/** True when the caller asked for the cookie form of the session. */
export function wantsCookie(request: FastifyRequest): boolean {
  return request.headers[SESSION_HEADER] === 'cookie';
}

/** The refresh token from the cookie; a 401 when there is none. */
export function refreshTokenFromCookie(request: FastifyRequest): string {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE && value.length > 0) return decodeURIComponent(value.join('='));
  }
  throw unauthenticated('no session in this browser: sign in');
}

function cookie(request: FastifyRequest, value: string, extra: string[] = []): string {
  return [
    `${REFRESH_COOKIE}=${encodeURIComponent(value)}`,
    `Path=${REFRESH_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(request.protocol === 'https' ? ['Secure'] : []),
    ...extra,
  ].join('; ');
}

function marker(request: FastifyRequest, value: string, extra: string[] = []): string {
  return [
    `${SESSION_MARKER_COOKIE}=${value}`,
    'Path=/',
    'SameSite=Strict',
    ...(request.protocol === 'https' ? ['Secure'] : []),
    ...extra,
  ].join('; ');
}

/** Moves the refresh token of a login or refresh answer into the cookie. */
export function answerWithCookie<T extends { refreshToken: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: T,
): Omit<T, 'refreshToken'> {
  const { refreshToken, ...rest } = tokens;
  // A session cookie (no Max-Age): it ends with the browser, and the token's own expiry still holds.
  void reply.header('set-cookie', [cookie(request, refreshToken), marker(request, '1')]);
  void reply.header('cache-control', 'no-store');
  return rest;
}

/** Sign-out of a browser: the cookie is cleared. */
export function clearCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', [
    cookie(request, '', ['Max-Age=0']),
    marker(request, '', ['Max-Age=0']),
  ]);
}
