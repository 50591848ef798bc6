import { z } from 'zod';
import type { Services } from '../../services';
import { DrillBodySchema } from '../../services/drills';
import { defineRoute, DryRunQuerySchema, IdParamsSchema, type RouteSpec } from '../route-table';

/** `/api/v1/restore-drills[/:id]` (API.md "Backups"). */
export function drillRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/restore-drills',
      permission: 'databases:write',
      summary:
        'Create a restore drill for a database or a project; its first run starts at once (restore into a scratch database, verify, record pass/fail and RTO, delete the scratch)',
      body: z.unknown(),
      docs: { body: DrillBodySchema },
      query: DryRunQuerySchema,
      status: 201,
      dryRun: true,
      handler: ({ body, query, grant }) =>
        services.drills.create(body, { dryRun: query.dryRun, actor: grant.actor, grant }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/restore-drills',
      permission: 'databases:read',
      summary: 'Restore drills with their runs (the last 20 each)',
      handler: ({ grant }) => services.drills.list(grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/restore-drills/:id',
      permission: 'databases:read',
      summary: 'One restore drill with its runs',
      params: IdParamsSchema,
      handler: ({ params, grant }) => services.drills.get(params.id, grant),
    }),
  ];
}
