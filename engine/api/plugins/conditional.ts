import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { routePermission } from './auth';

/** A weak validator of a JSON answer: equal bodies, equal tags, whoever asked. */
export function etagOf(body: string | Buffer): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** True when `If-None-Match` names the tag (or `*`); weak comparison, as RFC 9110 asks for GET. */
function matches(ifNoneMatch: string, etag: string): boolean {
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === bare);
}

/**
 * Conditional reads for every API route: a 200 answer to a GET carries an `ETag` (and
 * `Cache-Control: private, no-cache`, so a browser keeps it but asks before reusing it), and a GET
 * whose `If-None-Match` names the current tag is answered `304 Not Modified` with no body. The
 * rate limiter counts a 304 at a fraction of a read (see `REVALIDATION_COST`); registered before
 * the limiter so that its onSend hook sees the 304.
 */
export function registerConditionalReads(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || reply.statusCode !== 200) return payload;
    const permission = routePermission(request);
    if (permission === undefined) return payload;
    // Credentials are never kept anywhere for revalidation: no tag, and no cache may store them.
    if (permission === 'databases:credentials') {
      void reply.header('cache-control', 'no-store');
      return payload;
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = etagOf(payload);
    void reply.header('etag', etag);
    void reply.header('cache-control', 'private, no-cache');
    const ifNoneMatch = request.headers['if-none-match'];
    if (typeof ifNoneMatch === 'string' && matches(ifNoneMatch, etag)) {
      void reply.code(304);
      void reply.removeHeader('content-length');
      void reply.removeHeader('content-type');
      return '';
    }
    return payload;
  });
}
