import { z } from 'zod';
import type { Services } from '../../services';
import { CleanupBodySchema } from '../../services/estate';
import { defineRoute, DryRunQuerySchema, type RouteSpec } from '../route-table';

/** `/api/v1/backup-estate` (API.md "Backups") and the cleanup of an orphan. */
export function estateRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/backup-estate',
      permission: 'databases:read',
      summary:
        'Every BackupStorage, BackupConfiguration, Repository and Snapshot on every cluster with the database it protects, orphans and unprotected databases',
      query: z.object({ providerId: z.string().max(63).optional() }),
      handler: ({ query, grant }) => services.estate.estate(query.providerId, grant),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/backup-estate/cleanup',
      permission: 'databases:write',
      summary:
        'Delete an orphan Snapshot or Repository {providerId, namespace, kind, name} (409 when it is not an orphan)',
      body: z.unknown(),
      docs: { body: CleanupBodySchema },
      query: DryRunQuerySchema,
      dryRun: true,
      handler: ({ body, query, grant }) =>
        services.estate.cleanup(body, { dryRun: query.dryRun, grant }),
    }),
  ];
}
