import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAudit, type AuditSink } from './plugins/audit';
import { registerAuth, type AuthDependencies } from './plugins/auth';
import { registerConditionalReads } from './plugins/conditional';
import { registerCursorSigning, type CursorKeySource } from './plugins/cursors';
import { registerEventStreams } from './plugins/event-streams';
import { registerErrorHandling } from './plugins/errors';
import { FRAMEWORK_ERROR_OPTIONS } from './plugins/framework-errors';
import { registerRateLimit, type RateLimitOptions } from './plugins/rate-limit';
import { buildOpenApiDocument } from './openapi';
import { defineRoute, registerRoutes, type RouteSpec } from './route-table';
import { healthRoutes, type HealthDependencies } from './routes/health';

/** The page's Content-Security-Policy: only our own scripts, no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // recharts and React set style attributes; styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export interface ApiDependencies {
  logger: Logger;
  health: HealthDependencies;
  /** The routes of the services (providers, databases, ...); health and OpenAPI are added here. */
  routes?: readonly RouteSpec[];
  /** The built renderer; served at `/` when the folder exists. */
  rendererDir?: string;
  /** How callers are identified; without it every non-public route answers 401. */
  auth?: AuthDependencies;
  /** Rate limits per identity; none when absent. */
  rateLimit?: RateLimitOptions;
  /** Where the audit trail goes; nothing is audited when absent. */
  audit?: AuditSink;
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` names the client
   * (`DBAAS_TRUSTED_PROXIES`); without them the client is the socket's peer.
   */
  trustedProxies?: readonly string[];
  /** The key that signs list cursors (derived from the token key); a random one per process without it. */
  cursorKey?: CursorKeySource;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Builds the HTTP API without listening, so that the daemon serves it on a port, the desktop
 * reaches it through `app.inject()`, and tests drive it either way.
 */
export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  // Typed as fastify's base logger so that pino's own generic does not leak into every route type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    ...FRAMEWORK_ERROR_OPTIONS,
    bodyLimit: 1024 * 1024,
    // Only the listed proxies may name the client: anyone else could send any X-Forwarded-For.
    trustProxy:
      deps.trustedProxies && deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
    requestIdHeader: 'x-request-id',
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    void reply.header('x-content-type-options', 'nosniff');
  });

  const hasRenderer =
    deps.rendererDir !== undefined && existsSync(join(deps.rendererDir, 'index.html'));
  registerErrorHandling(app, {
    // Client-side routes (/databases/123) load the page; unknown API routes stay JSON 404s.
    pageFallback: hasRenderer
      ? (_request, reply) => {
          void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
          return reply.sendFile('index.html');
        }
      : undefined,
  });
  registerEventStreams(app);
  registerCursorSigning(app, deps.cursorKey);
  // Before the rate limiter: its onSend hook must see a 304 to count it as a revalidation.
  registerConditionalReads(app);
  registerAuth(app, deps.auth, deps.rateLimit ? registerRateLimit(app, deps.rateLimit) : undefined);
  if (deps.audit) registerAudit(app, deps.audit);
  registerRoutes(app, allRoutes(deps));
  if (hasRenderer && deps.rendererDir) await serveRenderer(app, deps.rendererDir);
  else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build`, then reload this page.\n'),
    );
  }
  return app;
}

/** The whole route table: health, the services' routes, and the OpenAPI document of all of them. */
export function allRoutes(deps: Pick<ApiDependencies, 'health' | 'routes'>): RouteSpec[] {
  const routes = [...healthRoutes(deps.health), ...(deps.routes ?? [])];
  const openApi = defineRoute({
    method: 'GET',
    url: '/api/v1/openapi.json',
    permission: 'public',
    summary: 'This document',
    handler: async () => document,
  });
  const document = buildOpenApiDocument([...routes, openApi], deps.health.version);
  return [...routes, openApi];
}

async function serveRenderer(app: FastifyInstance, rendererDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: rendererDir,
    index: ['index.html'],
    setHeaders: (response) => {
      response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    },
  });
}
