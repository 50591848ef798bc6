import { z } from 'zod';
import type { Services } from '../../services';
import { RestoreBodySchema } from '../../services/restore';
import { defineRoute, DryRunQuerySchema, IdParamsSchema, type RouteSpec } from '../route-table';

/** `POST /api/v1/databases/:id/restore` (API.md "Backups"). */
export function restoreRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/databases/:id/restore',
      permission: 'databases:write',
      summary:
        'Restore a backup in place (paused, or target.replace: true) or into a new database (202 with the operation; ?dryRun=true returns the objects it applies)',
      params: IdParamsSchema,
      body: z.unknown(),
      docs: { body: RestoreBodySchema },
      query: DryRunQuerySchema,
      status: 202,
      dryRun: true,
      handler: ({ params, body, query, grant }) =>
        services.restore.restore(params.id, body, {
          dryRun: query.dryRun,
          actor: grant.actor,
          grant,
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/recovery',
      permission: 'databases:read',
      summary:
        'Restorable points, the recoverable window, RPO now, RTO of the last restore and the objectives (RPO < 1 h, RTO < 4 h) with breaches',
      params: IdParamsSchema,
      handler: ({ params, grant }) => services.restore.recovery(params.id, grant),
    }),
  ];
}
