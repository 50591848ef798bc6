import { z } from 'zod';
import {
  CreateApiKeyRequestSchema,
  PublicUserSchema,
  RoleBindingSchema,
  UserSchema,
} from '../../domain';
import type { IdentityServices } from '../../services/auth';
import { defineRoute, IdParamsSchema, PageQuerySchema, type RouteSpec } from '../route-table';
import { auditRoutes } from './audit';
import {
  answerWithCookie,
  clearCookie,
  refreshTokenFromCookie,
  wantsCookie,
} from './session-cookie';
import { tenancyRoutes } from './tenancy';
import { userRoutes } from './users';

const USERNAME = UserSchema.shape.username;

/** `GET /auth/me`: who the caller is; `user` is null for API keys' and the desktop's identities. */
const MeResponseSchema = z.object({
  kind: z.enum(['user', 'api-key', 'desktop']),
  actor: z.string(),
  user: PublicUserSchema.nullable(),
  bindings: z.array(RoleBindingSchema),
});

/** `/api/v1/auth/*`: sign-in, token refresh, and who the caller is. */
export function authRoutes(identity: IdentityServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/auth/login',
      permission: 'public',
      summary: 'Sign in: a 15-minute access token and a rotating refresh token',
      body: z.unknown(),
      docs: { body: z.object({ username: z.string(), password: z.string() }) },
      handler: async ({ body, request, reply }) => {
        const username = (body as { username?: unknown } | null)?.username;
        // The attempted name goes to the audit trail only if it looks like a username (not a password typed in the wrong field).
        if (typeof username === 'string' && USERNAME.safeParse(username).success) {
          request.auditNote = { actor: username, target: `users/${username}` };
        }
        const tokens = await identity.sessions.login(body, request.ip ?? null);
        return wantsCookie(request) ? answerWithCookie(request, reply, tokens) : tokens;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      permission: 'public',
      summary:
        'Rotate a refresh token for new tokens (a reused token ends every session of its user)',
      body: z.unknown(),
      docs: { body: z.object({ refreshToken: z.string() }) },
      handler: async ({ body, request, reply }) => {
        const client = {
          address: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        };
        if (!wantsCookie(request)) return identity.sessions.refresh(body, client);
        const tokens = await identity.sessions.refresh(
          { refreshToken: refreshTokenFromCookie(request) },
          client,
        );
        return answerWithCookie(request, reply, tokens);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/auth/refresh',
      permission: 'public',
      summary: "Sign a browser out: clears the console's session cookie",
      status: 204,
      handler: async ({ request, reply }) => {
        clearCookie(request, reply);
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/auth/me',
      permission: 'self',
      summary: 'The caller: user, kind and role bindings',
      docs: { response: MeResponseSchema },
      handler: async ({ grant }) => {
        const { principal } = grant;
        return {
          kind: principal.kind,
          actor: principal.actor,
          user: principal.user ?? null,
          bindings: principal.bindings,
        };
      },
    }),
  ];
}

/** `/api/v1/api-keys`: keys for scripts, shown once. */
export function apiKeyRoutes(identity: IdentityServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/api-keys',
      permission: 'self',
      summary: 'Create an API key within your own bindings; the key is shown once',
      body: z.unknown(),
      docs: { body: CreateApiKeyRequestSchema },
      status: 201,
      handler: ({ body, grant }) => identity.apiKeys.create(body, grant.principal),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/api-keys',
      permission: 'self',
      summary: 'Your API keys (every key for a global admin), never the keys themselves',
      query: PageQuerySchema,
      handler: ({ query, grant }) => identity.apiKeys.list(grant.principal, grant, query),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/api-keys/:id',
      permission: 'self',
      summary: 'Revoke an API key',
      params: IdParamsSchema,
      status: 204,
      handler: async ({ params, grant, reply }) => {
        await identity.apiKeys.remove(params.id, grant.principal, grant);
        return reply.status(204).send();
      },
    }),
  ];
}

/** Every identity and tenancy route: auth, API keys, users, domains and projects, audit. */
export function identityRoutes(identity: IdentityServices): RouteSpec[] {
  return [
    ...authRoutes(identity),
    ...apiKeyRoutes(identity),
    ...userRoutes(identity),
    ...tenancyRoutes(identity),
    ...auditRoutes(identity),
  ];
}
