import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../domain';
import {
  DESKTOP_PRINCIPAL,
  Grant,
  forbidden,
  roleAtLeast,
  unauthenticated,
  type Principal,
} from '../../services/auth';
import type { Permission } from '../route-table';

/**
 * How far a permission reaches:
 * - `scoped`: tenant objects; the route needs some binding with the role, and each object is then
 *   checked against the caller's bindings (404 outside them, 403 inside without the role);
 * - `anywhere`: fleet-wide objects anyone with a binding of the role may use (providers, versions);
 * - `global`: needs a global binding with the role (cluster registry writes, users, audit);
 * - `self`: any authenticated caller, acting on its own things (`/auth/me`, its API keys).
 */
export interface PermissionRule {
  role: Role;
  reach: 'scoped' | 'anywhere' | 'global' | 'self';
}

/**
 * THE one map from permissions to roles. Every route declares a permission in the route table;
 * a new permission does not compile until it has a rule here.
 */
export const PERMISSION_RULES = {
  'providers:read': { role: 'viewer', reach: 'anywhere' },
  'providers:write': { role: 'admin', reach: 'global' },
  'versions:read': { role: 'viewer', reach: 'anywhere' },
  'databases:read': { role: 'viewer', reach: 'scoped' },
  'databases:write': { role: 'operator', reach: 'scoped' },
  'databases:credentials': { role: 'operator', reach: 'scoped' },
  'operations:read': { role: 'viewer', reach: 'scoped' },
  'operations:write': { role: 'operator', reach: 'scoped' },
  'events:read': { role: 'viewer', reach: 'scoped' },
  'tenancy:read': { role: 'viewer', reach: 'scoped' },
  'tenancy:write': { role: 'admin', reach: 'scoped' },
  'users:read': { role: 'admin', reach: 'global' },
  'users:write': { role: 'admin', reach: 'global' },
  'audit:read': { role: 'admin', reach: 'global' },
  'alerts:read': { role: 'viewer', reach: 'scoped' },
  'alerts:write': { role: 'operator', reach: 'scoped' },
  'alerts:configure': { role: 'admin', reach: 'global' },
  self: { role: 'viewer', reach: 'self' },
} as const satisfies Record<Exclude<Permission, 'public'>, PermissionRule>;

/** The header main adds to every IPC request; only the configured per-process token is accepted. */
export const DESKTOP_IDENTITY_HEADER = 'x-dbaas-local-identity';

/** How the API identifies callers (the identity services, handed in by the composition root). */
export interface AuthDependencies {
  authenticateBearer(token: string): Promise<Principal>;
  authenticateApiKey(key: string): Promise<Principal>;
  /** The desktop's per-process identity token; absent on a daemon, so the header is refused there. */
  desktopIdentityToken?: string;
  /**
   * The tenant of the object a route addresses by `:id` (`databases`, `operations`), or null when
   * there is no such object. Lets scoped routes refuse objects outside the caller's bindings before
   * their handler runs, so a new `/databases/:id/...` route cannot forget the check.
   */
  tenantOf?: (resource: string, id: string) => Promise<{ domain: string; project: string } | null>;
}

/** Runs after identification and before the permission check (the rate limiter). */
export type CallerCheck = (request: FastifyRequest, principal: Principal | null) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null (anonymous, or a public route without credentials). */
    principal: Principal | null;
  }
}

/** The route's declared permission; routes outside the table (static files) have none. */
export function routePermission(request: FastifyRequest): Permission | undefined {
  return (request.routeOptions.config as { permission?: Permission } | undefined)?.permission;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

async function identify(
  request: FastifyRequest,
  deps: AuthDependencies | undefined,
): Promise<Principal | null> {
  const local = request.headers[DESKTOP_IDENTITY_HEADER];
  if (local !== undefined) {
    // Hashing first gives equal lengths, so the comparison is constant-time whatever was sent.
    if (
      deps?.desktopIdentityToken &&
      typeof local === 'string' &&
      timingSafeEqual(digest(local), digest(deps.desktopIdentityToken))
    ) {
      return DESKTOP_PRINCIPAL;
    }
    throw unauthenticated('the local identity is accepted only from the desktop app');
  }
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match || !deps) throw unauthenticated('the access token is invalid or expired');
    return deps.authenticateBearer(match[1]!);
  }
  const apiKey = request.headers['x-api-key'];
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || !deps)
      throw unauthenticated('the API key is invalid or revoked');
    return deps.authenticateApiKey(apiKey);
  }
  return null;
}

/** Refuses (403) a caller whose bindings can never satisfy the permission, before any work. */
function checkRoute(principal: Principal, permission: Exclude<Permission, 'public'>): void {
  const rule: PermissionRule = PERMISSION_RULES[permission];
  if (rule.reach === 'self') return;
  const fits = principal.bindings.some(
    (binding) =>
      roleAtLeast(binding.role, rule.role) &&
      (rule.reach !== 'global' || binding.domain === undefined),
  );
  if (!fits)
    throw forbidden(
      `this needs the ${rule.role} role${rule.reach === 'global' ? ' bound globally' : ''}`,
    );
}

/** 404 for an addressed object outside the caller's bindings, 403 inside them without the role. */
async function checkAddressedObject(
  request: FastifyRequest,
  principal: Principal,
  permission: Exclude<Permission, 'public'>,
  deps: AuthDependencies | undefined,
): Promise<void> {
  const rule: PermissionRule = PERMISSION_RULES[permission];
  const id = (request.params as Record<string, unknown> | undefined)?.id;
  if (rule.reach !== 'scoped' || typeof id !== 'string' || !deps?.tenantOf) return;
  const resource = (request.routeOptions.url ?? '').replace(/^\/api\/v1\//, '').split('/')[0] ?? '';
  const tenant = await deps.tenantOf(resource, id);
  if (tenant)
    new Grant(principal, rule.role).assertAllowed(
      resource.replace(/s$/, ''),
      id,
      tenant.domain,
      tenant.project,
    );
}

/**
 * Authentication and route-level authorization for every route of the table: identify the caller
 * (desktop token, bearer token or API key), run `check` (rate limits, which must count anonymous
 * and failed callers too), then answer 401 for anonymous calls to non-public routes and 403 when
 * the caller's bindings cannot satisfy the route's permission. Object-level checks (404 outside
 * the caller's scope) happen in the services, through the grant the route table resolves for the
 * route's permission and hands its handler (`registerRoutes`).
 */
export function registerAuth(
  app: FastifyInstance,
  deps: AuthDependencies | undefined,
  check?: CallerCheck,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    const permission = routePermission(request);
    if (permission === undefined) return;
    let principal: Principal | null = null;
    let failure: unknown = null;
    try {
      principal = await identify(request, deps);
    } catch (error) {
      failure = error;
    }
    request.principal = principal;
    if (check) await check(request, principal);
    // Public routes ignore bad credentials: a stale access token must not block a refresh.
    if (permission === 'public') return;
    if (failure !== null) {
      void reply.header('www-authenticate', 'Bearer');
      throw failure;
    }
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer');
      throw unauthenticated();
    }
    checkRoute(principal, permission);
    await checkAddressedObject(request, principal, permission, deps);
  });
}
