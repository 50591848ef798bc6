import { z } from 'zod';
import type { IdentityServices } from '../../services/auth';
import { defineRoute, PageQuerySchema, type RouteSpec } from '../route-table';

const AuditQuerySchema = PageQuerySchema.extend({
  actor: z.string().max(256).optional(),
  action: z.string().max(128).optional(),
  from: z.iso.datetime({ error: 'from must be an ISO-8601 UTC time' }).optional(),
  to: z.iso.datetime({ error: 'to must be an ISO-8601 UTC time' }).optional(),
});

/** `/api/v1/audit`: the trail (global admins), newest first, and its verification. */
export function auditRoutes(identity: IdentityServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/audit',
      permission: 'audit:read',
      summary: 'Audit events, newest first, by actor, action and time',
      query: AuditQuerySchema,
      handler: ({ query, grant }) => {
        grant.assertGlobal();
        const { limit, cursor, ...filter } = query;
        return identity.audit.list(filter, { limit, cursor });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/audit/verify',
      permission: 'audit:read',
      summary: 'Verify the hash chain; names the first broken event',
      handler: ({ grant }) => {
        grant.assertGlobal();
        return identity.audit.verify();
      },
    }),
  ];
}
