import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services';
import { toErrorAnswer } from '../plugins/errors';
import type { DatabaseDetailResponse, DetailSectionError } from '../contracts';
import { defineRoute, type RouteSpec } from '../route-table';

/** Operations the detail screen lists, newest first. */
const DETAIL_OPERATIONS = 20;

/** Ids in one batched read (`GET /databases?ids=`): the size of an ordinary read's page. */
export const MAX_BATCH_IDS = 100;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** `?ids=a,b,c`: up to 100 database ids, comma-separated. */
export const IdsQuerySchema = z
  .string()
  .max(MAX_BATCH_IDS * 64)
  .transform((value) => [...new Set(value.split(',').map((id) => id.trim()))].filter(Boolean))
  .refine((ids) => ids.length <= MAX_BATCH_IDS, {
    error: `ids must name at most ${MAX_BATCH_IDS} databases`,
  })
  .refine((ids) => ids.every((id) => ID.test(id)), {
    error: 'ids must be database ids separated by commas',
  });

/** A part of the detail that could not be read: its error, as an error answer would carry it. */
type Section<T> = T | DetailSectionError;

async function section<T>(request: FastifyRequest, read: () => Promise<T>): Promise<Section<T>> {
  try {
    return await read();
  } catch (error) {
    const { status, body } = toErrorAnswer(error, request.id);
    if (status >= 500) request.log.error({ err: error }, 'a part of the database detail failed');
    return body;
  }
}

/**
 * `GET /databases/:id/detail`: everything the console's detail screen shows, in one read — the
 * database, its latest operations, its manifest with drift, its events and the last hour of its
 * metrics. A part that cannot be read (its cluster is down) carries its error and the others still
 * arrive. With the answer's ETag in `If-None-Match`, an unchanged detail is a 304.
 */
export function databaseDetailRoutes(services: Services): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/detail',
      permission: 'databases:read',
      summary:
        'The database with its latest operations, manifest and drift, events and last hour of metrics, in one read',
      params: z.object({ id: z.string().min(1).max(63) }),
      handler: async ({ params, grant, request }): Promise<DatabaseDetailResponse> => {
        const database = await services.databases.get(params.id, grant);
        const [operations, manifest, events, metrics, project] = await Promise.all([
          services.operations.list({ databaseId: database.id }, { limit: 500 }, grant),
          section(request, () => services.databaseReads.manifest(database.id, grant)),
          section(request, () => services.observations.events(database.id, grant)),
          section(request, () => services.observations.metrics(database.id, '1h', grant)),
          services.tenancy.getProject(database.domain, database.project, grant).catch(() => null),
        ]);
        return {
          database,
          operations: operations.items
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
            .slice(0, DETAIL_OPERATIONS),
          manifest,
          events,
          metrics,
          driftHistory: database.driftHistory ?? [],
          driftPolicy: {
            policy: project?.driftPolicy ?? 'repair',
            canChange: grant.has('admin', database.domain),
          },
        };
      },
    }),
  ];
}
