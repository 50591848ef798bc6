import { z } from 'zod';
import { CreateUserRequestSchema } from '../../domain';
import type { IdentityServices } from '../../services/auth';
import { defineRoute, IdParamsSchema, PageQuerySchema, type RouteSpec } from '../route-table';

/** `/api/v1/users`: admin only. */
export function userRoutes(identity: IdentityServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/users',
      permission: 'users:write',
      summary: 'Create a user with role bindings',
      body: z.unknown(),
      docs: { body: CreateUserRequestSchema },
      status: 201,
      handler: ({ body, grant }) => identity.users.create(body, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users',
      permission: 'users:read',
      summary: 'List users',
      query: PageQuerySchema,
      handler: ({ query, grant }) => identity.users.list(query, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id',
      permission: 'users:read',
      summary: 'One user',
      params: IdParamsSchema,
      handler: ({ params, grant }) => identity.users.get(params.id, grant),
    }),
  ];
}
