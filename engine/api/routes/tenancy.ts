import { z } from 'zod';
import { CreateTenantRequestSchema, UpdateProjectRequestSchema } from '../../domain';
import type { IdentityServices } from '../../services/auth';
import { defineRoute, PageQuerySchema, type RouteSpec } from '../route-table';

const DomainParams = z.object({ domain: z.string().min(1).max(63) });
const ProjectParams = DomainParams.extend({ project: z.string().min(1).max(63) });

/** `/api/v1/domains` and their projects (namespace `<domain>-<project>`). */
export function tenancyRoutes(identity: IdentityServices): RouteSpec[] {
  const { tenancy } = identity;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/domains',
      permission: 'tenancy:write',
      summary: 'Create a domain (global admins)',
      body: z.unknown(),
      docs: { body: CreateTenantRequestSchema },
      status: 201,
      handler: ({ body, grant }) => tenancy.createDomain(body, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/domains',
      permission: 'tenancy:read',
      summary: 'The domains your bindings reach',
      query: PageQuerySchema,
      handler: ({ query, grant }) => tenancy.listDomains(grant, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/domains/:domain',
      permission: 'tenancy:read',
      summary: 'One domain',
      params: DomainParams,
      handler: ({ params, grant }) => tenancy.getDomain(params.domain, grant),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/domains/:domain',
      permission: 'tenancy:write',
      summary: 'Delete a domain (409 while it has projects)',
      params: DomainParams,
      status: 204,
      handler: async ({ params, grant, reply }) => {
        await tenancy.removeDomain(params.domain, grant);
        return reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/domains/:domain/projects',
      permission: 'tenancy:write',
      summary: "Create a project (admins of the domain); its quota defaults to the engine's limits",
      params: DomainParams,
      body: z.unknown(),
      docs: { body: CreateTenantRequestSchema },
      status: 201,
      handler: ({ params, body, grant }) => tenancy.createProject(params.domain, body, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/domains/:domain/projects',
      permission: 'tenancy:read',
      summary: "The domain's projects your bindings reach",
      params: DomainParams,
      query: PageQuerySchema,
      handler: ({ params, query, grant }) => tenancy.listProjects(params.domain, grant, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/domains/:domain/projects/:project',
      permission: 'tenancy:read',
      summary: 'One project',
      params: ProjectParams,
      handler: ({ params, grant }) => tenancy.getProject(params.domain, params.project, grant),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/domains/:domain/projects/:project',
      permission: 'tenancy:write',
      summary: 'Change a project: its drift policy (repair, notify, adopt-live) or quota',
      params: ProjectParams,
      body: z.unknown(),
      docs: { body: UpdateProjectRequestSchema },
      handler: ({ params, body, grant }) =>
        tenancy.updateProject(params.domain, params.project, body, grant),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/domains/:domain/projects/:project',
      permission: 'tenancy:write',
      summary: 'Delete a project (409 while databases live in it)',
      params: ProjectParams,
      status: 204,
      handler: async ({ params, grant, reply }) => {
        await tenancy.removeProject(params.domain, params.project, grant);
        return reply.status(204).send();
      },
    }),
  ];
}
