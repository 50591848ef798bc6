import { z } from 'zod';
import {
  OperationStatusSchema,
  OperationTypeSchema,
  PatchDatabaseRequestSchema,
} from '../../domain';
import type { EngineEvent, Services } from '../../services';
import type { Grant } from '../../services/auth/access';
import type { ChangeResponse, DryRunResponse } from '../contracts';
import {
  defineRoute,
  DryRunQuerySchema,
  IdParamsSchema,
  PageQuerySchema,
  type RouteSpec,
} from '../route-table';
import { serveEventStream } from './event-stream';

const OperationListQuerySchema = PageQuerySchema.extend({
  databaseId: z.string().max(63).optional(),
  status: OperationStatusSchema.optional(),
  type: OperationTypeSchema.optional(),
});

/** Day-2 changes of a database: PATCH and actions (202 with the queued operation). */
export function databaseChangeRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/databases/:id',
      permission: 'databases:write',
      summary: 'Change replicas, resources, storage size or version (queues the OpsRequests)',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      body: z.unknown(),
      docs: { body: PatchDatabaseRequestSchema },
      status: 202,
      dryRun: true,
      handler: async ({ params, body, query, grant }) => {
        const result: ChangeResponse | DryRunResponse = await services.databaseChanges.patch(
          params.id,
          body,
          {
            dryRun: query.dryRun,
            actor: grant.actor,
            grant,
          },
        );
        return result;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/databases/:id/actions/:action',
      permission: 'databases:write',
      summary: 'restart, pause, resume or rotate-credentials (202 with the queued operation)',
      params: z.object({ id: z.string().min(1).max(63), action: z.string().max(40) }),
      query: DryRunQuerySchema,
      status: 202,
      dryRun: true,
      handler: async ({ params, query, grant }) => {
        const result: ChangeResponse | DryRunResponse = await services.databaseChanges.act(
          params.id,
          params.action,
          {
            dryRun: query.dryRun,
            actor: grant.actor,
            grant,
          },
        );
        return result;
      },
    }),
  ];
}

/** The operation queue and history. */
export function operationRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/operations',
      permission: 'operations:read',
      summary: 'Operations across the fleet, filtered by database, status and type',
      query: OperationListQuerySchema,
      handler: ({ query, grant }) => {
        const { limit, cursor, ...filter } = query;
        return services.operations.list(filter, { limit, cursor }, grant);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/operations/:id',
      permission: 'operations:read',
      summary: 'One operation with its steps, attempts and progress',
      params: IdParamsSchema,
      handler: ({ params, grant }) => services.operations.get(params.id, grant),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/operations/:id/cancel',
      permission: 'operations:write',
      summary:
        'Cancel a queued operation; a running one is aborted (its OpsRequest deleted, the desired state put back)',
      params: IdParamsSchema,
      handler: ({ params, grant }) =>
        services.operationAbort.abort(params.id, { actor: grant.actor, grant }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/operations/:id/abort',
      permission: 'operations:write',
      summary:
        'Abort a running operation: its OpsRequest is deleted and the desired state it changed put back',
      params: IdParamsSchema,
      handler: ({ params, grant }) =>
        services.operationAbort.abort(params.id, { actor: grant.actor, grant }),
    }),
  ];
}

/**
 * `GET /api/v1/events`: server-sent events (`database.status`, `operation.progress`,
 * `provider.health`), resumable with `Last-Event-ID`. The desktop receives the same events over IPC.
 */
export function eventRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/events',
      permission: 'events:read',
      summary:
        'Server-sent events: database.status, operation.progress, provider.health; resumable with Last-Event-ID (stream.reset when it cannot be)',
      handler: async ({ request, reply, grant }) =>
        serveEventStream(request, reply, services.events, visibilityFor(services, grant)),
    }),
  ];
}

/**
 * Which events a caller may receive: everything with a global binding; otherwise database and
 * operation events of the projects its bindings reach (the database is looked up once per id), and
 * cluster health, which every reader may see.
 */
function visibilityFor(services: Services, grant: Grant): (event: EngineEvent) => Promise<boolean> {
  if (grant.visibleScopes() === undefined) return async () => true;
  const byDatabase = new Map<string, boolean>();
  const canSeeDatabase = async (id: string): Promise<boolean> => {
    const known = byDatabase.get(id);
    if (known !== undefined) return known;
    const database = await services.databases.get(id).catch(() => null);
    const ok = database !== null && grant.canSee(database.domain, database.project);
    if (byDatabase.size > 10_000) byDatabase.clear();
    byDatabase.set(id, ok);
    return ok;
  };
  return async (event) => {
    switch (event.type) {
      case 'database.status':
        return grant.canSee(event.data.domain, event.data.project);
      case 'operation.progress':
      case 'backup.status':
        return canSeeDatabase(event.data.databaseId);
      case 'provider.health':
        return true;
    }
  };
}
