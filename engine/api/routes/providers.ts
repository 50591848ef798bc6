import { z } from 'zod';
import { CreateProviderRequestSchema } from '../../domain';
import type { Services } from '../../services';
import type { ItemsResponse, KubeContext, ListResponse, PublicProvider } from '../contracts';
import { defineRoute, IdParamsSchema, PageQuerySchema, type RouteSpec } from '../route-table';

/** `/api/v1/providers`: the cluster registry. */
export function providerRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/providers',
      permission: 'providers:write',
      summary: 'Register a cluster from a kubeconfig (kept in the vault, never echoed)',
      body: z.unknown(),
      docs: { body: CreateProviderRequestSchema },
      status: 201,
      handler: ({ body }): Promise<PublicProvider> => services.providers.create(body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/providers',
      permission: 'providers:read',
      summary: 'List clusters with their health',
      query: PageQuerySchema,
      handler: ({ query }): Promise<ListResponse<PublicProvider>> => services.providers.list(query),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/providers/contexts',
      permission: 'providers:write',
      summary: 'List the contexts of a kubeconfig, to choose one to import',
      body: z.object({ kubeconfig: z.string().min(1).max(1_000_000) }),
      handler: async ({ body }): Promise<ItemsResponse<KubeContext>> => ({
        items: await services.providers.listContexts(body.kubeconfig),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/providers/:id',
      permission: 'providers:read',
      summary: 'One cluster with its health',
      params: IdParamsSchema,
      handler: ({ params }): Promise<PublicProvider> => services.providers.get(params.id),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/providers/:id/test',
      permission: 'providers:write',
      summary: 'Check a cluster now and store its health',
      params: IdParamsSchema,
      handler: ({ params }): Promise<PublicProvider> => services.providers.test(params.id),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/providers/:id',
      permission: 'providers:write',
      summary: 'Remove a cluster (409 while databases live on it)',
      params: IdParamsSchema,
      status: 204,
      handler: async ({ params, reply }) => {
        await services.providers.remove(params.id);
        return reply.status(204).send();
      },
    }),
  ];
}
