import { z } from 'zod';
import {
  CreateDatabaseRequestSchema,
  DatabaseSchema,
  DatabaseStatusSchema,
  EngineSchema,
} from '../../domain';
import type { Services } from '../../services';
import type { Database } from '../../domain';
import type {
  CreateResponse,
  CredentialsResponse,
  DatabaseEventsResponse,
  DryRunResponse,
  FleetVersion,
  ItemsResponse,
  ListResponse,
  ManifestResponse,
  MetricsResponse,
} from '../contracts';
import {
  defineRoute,
  DryRunQuerySchema,
  IdParamsSchema,
  PageQuerySchema,
  type RouteSpec,
} from '../route-table';
import { IdsQuerySchema } from './database-views';

const ListQuerySchema = PageQuerySchema.extend({
  domain: z.string().max(63).optional(),
  project: z.string().max(63).optional(),
  engine: EngineSchema.optional(),
  status: DatabaseStatusSchema.optional(),
  providerId: z.string().max(63).optional(),
  q: z.string().max(100).optional(),
  /** A batched re-read of known databases: `?ids=a,b,c` (at most 100). */
  ids: IdsQuerySchema.optional(),
});

/** `/api/v1/databases`: the lifecycle routes of API.md. */
export function databaseRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/databases',
      permission: 'databases:write',
      summary:
        'Create a database (202 with the provisioning operation; ?dryRun=true returns the manifests)',
      body: z.unknown(),
      docs: { body: CreateDatabaseRequestSchema, response: DatabaseSchema },
      query: DryRunQuerySchema,
      status: 202,
      dryRun: true,
      handler: async ({ body, query, grant }) => {
        const result: CreateResponse | DryRunResponse = await services.databases.create(body, {
          dryRun: query.dryRun,
          actor: grant.actor,
          grant,
        });
        return result;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases',
      permission: 'databases:read',
      summary:
        'List databases with filters and paging; `ids` re-reads up to 100 given databases at once',
      query: ListQuerySchema,
      handler: ({ query, grant }): Promise<ListResponse<Database>> => {
        const { limit, cursor, ...filter } = query;
        return services.databases.list(filter, { limit, cursor }, grant);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id',
      permission: 'databases:read',
      summary: 'One database',
      params: IdParamsSchema,
      handler: ({ params, grant }): Promise<Database> => services.databases.get(params.id, grant),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/databases/:id',
      permission: 'databases:write',
      summary: 'Delete a database, honouring its deletionPolicy (DoNotTerminate is a 422)',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      status: 202,
      dryRun: true,
      handler: async ({ params, query, grant }) => {
        const result = await services.databases.remove(params.id, {
          dryRun: query.dryRun,
          actor: grant.actor,
          grant,
        });
        return result;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/manifest',
      permission: 'databases:read',
      summary: 'Desired and live manifests and the drift between them',
      params: IdParamsSchema,
      handler: ({ params, grant }): Promise<ManifestResponse> =>
        services.databaseReads.manifest(params.id, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/credentials',
      permission: 'databases:credentials',
      summary: "Credentials read from the cluster's auth secret (never stored)",
      params: IdParamsSchema,
      handler: ({ params, grant }): Promise<CredentialsResponse> =>
        services.databaseReads.credentials(params.id, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/metrics',
      permission: 'databases:read',
      summary: 'CPU (cores) and memory (bytes) of the database pods over a range',
      params: IdParamsSchema,
      query: z.object({
        range: z
          .enum(['15m', '1h', '6h', '24h'], { error: 'range must be one of 15m, 1h, 6h, 24h' })
          .default('1h'),
      }),
      handler: ({ params, query, grant }): Promise<MetricsResponse> =>
        services.observations.metrics(params.id, query.range, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/events',
      permission: 'databases:read',
      summary: 'Kubernetes events of the database and its pods, and its operations',
      params: IdParamsSchema,
      handler: ({ params, grant }): Promise<DatabaseEventsResponse> =>
        services.observations.events(params.id, grant),
    }),
  ];
}

/** `/api/v1/versions`: catalog versions across the fleet. */
export function versionRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/versions',
      permission: 'versions:read',
      summary: "Versions from the clusters' KubeDB catalogs, with upgrade targets",
      query: z.object({
        engine: EngineSchema.optional(),
        providerId: z.string().max(63).optional(),
      }),
      handler: async ({ query }): Promise<ItemsResponse<FleetVersion>> => ({
        items: await services.versions.list(query),
      }),
    }),
  ];
}
