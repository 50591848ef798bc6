import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createLogger } from '../logging';
import { Grant, unauthenticated, type Principal } from '../services/auth';
import { buildApi } from './app';
import { PERMISSION_RULES } from './plugins/auth';
import { registerErrorHandling } from './plugins/errors';
import { defineRoute, registerRoutes, type GrantedPermission, type RouteSpec } from './route-table';

const ADMIN: Principal = {
  kind: 'user',
  id: 'u-1',
  actor: 'alice',
  bindings: [{ role: 'admin' }],
  userId: 'u-1',
};

const GRANTED = Object.keys(PERMISSION_RULES) as GrantedPermission[];

/** One route a permission, each remembering what its handler was handed. */
function probeRoutes(seen: Map<string, object>): RouteSpec[] {
  return [
    ...GRANTED.map((permission) =>
      defineRoute({
        method: 'GET',
        url: `/api/v1/probe/${permission.replace(':', '-')}`,
        permission,
        summary: permission,
        handler: async (input) => {
          seen.set(permission, input);
          return { ok: true };
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/api/v1/probe/public',
      permission: 'public',
      summary: 'public',
      handler: async (input) => {
        seen.set('public', input);
        return { ok: true };
      },
    }),
  ];
}

async function buildWithAuth(seen: Map<string, object>) {
  return buildApi({
    logger: createLogger('silent'),
    health: {
      version: '1',
      mode: 'daemon',
      startedAt: 0,
      now: () => 0,
      probes: [],
      role: () => 'leader',
    },
    routes: probeRoutes(seen),
    auth: {
      authenticateBearer: async (token) => {
        if (token === 'alice') return ADMIN;
        throw unauthenticated();
      },
      authenticateApiKey: async () => {
        throw unauthenticated();
      },
    },
  });
}

describe('the route table', () => {
  it("hands each handler the caller's grant for the permission its route declares", async () => {
    const seen = new Map<string, object>();
    const app = await buildWithAuth(seen);
    for (const permission of GRANTED) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/probe/${permission.replace(':', '-')}`,
        headers: { authorization: 'Bearer alice' },
      });
      expect(response.statusCode, permission).toBe(200);
      const grant = (seen.get(permission) as { grant?: unknown } | undefined)?.grant;
      expect(grant, permission).toBeInstanceOf(Grant);
      expect((grant as Grant).role, permission).toBe(PERMISSION_RULES[permission].role);
      expect((grant as Grant).principal, permission).toEqual(ADMIN);
    }
    // The roles differ between permissions, so a grant resolved for the wrong one shows above.
    expect(new Set(GRANTED.map((p) => PERMISSION_RULES[p].role)).size).toBe(3);
  });

  it('hands a public route no grant', async () => {
    const seen = new Map<string, object>();
    const app = await buildWithAuth(seen);
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/probe/public',
      headers: { authorization: 'Bearer alice' },
    });
    expect(response.statusCode).toBe(200);
    expect(seen.get('public')).toBeDefined();
    expect(seen.get('public')).not.toHaveProperty('grant');
  });

  it('answers 401 and never runs a handler that needs a grant when no caller was identified', async () => {
    // Without the auth plugin nothing identifies the caller: the table itself must refuse.
    const seen = new Map<string, object>();
    const app = Fastify();
    registerErrorHandling(app);
    registerRoutes(app, probeRoutes(seen));
    for (const permission of GRANTED) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/probe/${permission.replace(':', '-')}`,
      });
      expect(response.statusCode, permission).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    expect(seen.size).toBe(0);
    const open = await app.inject({ method: 'GET', url: '/api/v1/probe/public' });
    expect(open.statusCode).toBe(200);
  });

  it('types the grant from the declared permission', () => {
    // Checked by the type checker (tsc -b): the route below is declared, never registered.
    defineRoute({
      method: 'GET',
      url: '/granted',
      permission: 'databases:read',
      summary: 'granted',
      handler: async ({ grant }) => {
        expectTypeOf(grant).toEqualTypeOf<Grant>();
        return null;
      },
    });
    defineRoute({
      method: 'GET',
      url: '/public',
      permission: 'public',
      summary: 'public',
      // @ts-expect-error a public route's handler is handed no grant
      handler: async ({ grant }) => typeof grant,
    });
  });
});
