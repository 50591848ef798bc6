import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../base/errors';
import { toFieldProblems } from '../domain';
import { Grant, unauthenticated } from '../services/auth';
import { PERMISSION_RULES } from './plugins/auth';

/**
 * What a route needs to be called. Every route declares one; the identity issue enforces them and
 * generates its authorization tests from this table, so a new route cannot be forgotten.
 */
export type Permission =
  | 'public'
  | 'providers:read'
  | 'providers:write'
  | 'databases:read'
  | 'databases:write'
  | 'databases:credentials'
  | 'versions:read'
  | 'operations:read'
  | 'operations:write'
  | 'events:read'
  | 'tenancy:read'
  | 'tenancy:write'
  | 'users:read'
  | 'users:write'
  | 'audit:read'
  | 'alerts:read'
  | 'alerts:write'
  | 'alerts:configure'
  /** Any authenticated caller, acting on its own things (`/auth/me`, its API keys). */
  | 'self';

/** Every permission but `public`: the ones that need an authenticated caller. */
export type GrantedPermission = Exclude<Permission, 'public'>;

/** A route's parsed input. */
export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * What a handler is handed besides its input. A route with a permission other than `public` gets
 * `grant`: the caller's grant for exactly that permission, resolved before the handler runs, so a
 * handler cannot act under a permission its route does not declare. A public route gets nothing,
 * so naming `grant` in its handler does not compile. The last case is the table itself, whose
 * entries mix both kinds.
 */
export type RouteAccess<Perm extends Permission> = [Perm] extends [GrantedPermission]
  ? { grant: Grant }
  : [Perm] extends ['public']
    ? unknown
    : { grant?: Grant };

/** One entry of the route table: method, path, permission, schemas and handler. */
export interface RouteSpec<
  B = unknown,
  Q = unknown,
  P = unknown,
  Perm extends Permission = Permission,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  permission: Perm;
  summary: string;
  /** Schemas of the input; the OpenAPI document is generated from them. */
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** For the OpenAPI document when the handler parses the body itself (for field-level errors). */
  docs?: { body?: z.ZodType; response?: z.ZodType };
  /** The success status (200 by default). */
  status?: number;
  /**
   * True when the handler honours `?dryRun=true` (answers a preview, changes nothing). A changing
   * route without it refuses `?dryRun=true` with 400 before its handler runs, so that a dry run is
   * never silently carried out.
   */
  dryRun?: boolean;
  handler: (input: RouteInput<B, Q, P> & RouteAccess<Perm>) => Promise<unknown>;
}

/** Declares a route with its input types and its grant inferred from its schemas and permission. */
export function defineRoute<
  B = undefined,
  Q = undefined,
  P = undefined,
  Perm extends Permission = Permission,
>(spec: RouteSpec<B, Q, P, Perm>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/**
 * The caller's grant for the route's permission; none for a public route. The auth plugin has
 * answered 401 already for an anonymous caller; refusing here too means a route registered without
 * that plugin still never runs unauthenticated.
 */
function grantOf(request: FastifyRequest, permission: Permission): Grant | undefined {
  if (permission === 'public') return undefined;
  if (!request.principal) throw unauthenticated();
  return new Grant(request.principal, PERMISSION_RULES[permission].role);
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, part: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = toFieldProblems(result.error).map((p) => ({
    ...p,
    path: p.path === '' ? part : p.path,
  }));
  throw new ValidationError(`invalid ${part}: ${problems[0]?.message ?? 'invalid'}`, problems);
}

/** The status a successful call of `route` answers: its `status`, or 200 for a dry-run preview. */
export function successStatus(
  route: Pick<RouteSpec, 'status' | 'dryRun'>,
  dryRun: boolean,
): number {
  return route.dryRun && dryRun ? 200 : (route.status ?? 200);
}

/** True when the request asks for a dry run (`?dryRun=true`), read before any schema parses it. */
export function isDryRunRequest(request: FastifyRequest): boolean {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return query.dryRun === 'true';
}

function refuseDryRun(request: FastifyRequest): void {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (query.dryRun === undefined || query.dryRun === 'false') return;
  const message = 'this route has no dry run: call it without dryRun to carry it out';
  throw new ValidationError(`invalid query: ${message}`, [
    { path: 'dryRun', rule: 'unsupported', message },
  ]);
}

/** Registers every route of the table on the app, handing each handler its grant. */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[]): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { permission: route.permission },
      handler: async (request, reply) => {
        const grant = grantOf(request, route.permission);
        if (route.method !== 'GET' && !route.dryRun) refuseDryRun(request);
        const input = {
          ...(grant ? { grant } : {}),
          body: parsePart(route.body, request.body, 'body'),
          query: parsePart(route.query, request.query, 'query'),
          params: parsePart(route.params, request.params, 'params'),
          request,
          reply,
        };
        const result = await route.handler(input);
        // The one place that sets a success status, so that the answer is what the OpenAPI
        // document (generated from `status` and `dryRun`) says: 200 for a preview.
        if (!reply.sent) void reply.status(successStatus(route, isDryRunRequest(request)));
        return result;
      },
    });
  }
}

/** Query parameters of every list route (API.md): `limit` 1..500 (default 50) and `cursor`. */
export const PageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int({ error: 'limit must be an integer' })
    .min(1, { error: 'limit must be at least 1' })
    .max(500, { error: 'limit must be at most 500' })
    .optional(),
  cursor: z.string().max(512).optional(),
});

/** `?dryRun=true` on creating and changing calls. */
export const DryRunQuerySchema = z.object({
  dryRun: z
    .enum(['true', 'false'], { error: 'dryRun must be true or false' })
    .optional()
    .transform((value) => value === 'true'),
});

export const IdParamsSchema = z.object({ id: z.string().min(1).max(63) });
