import { z } from 'zod';
import type { RouteSpec } from './route-table';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });
}

/** `:id` in fastify's syntax becomes `{id}` in OpenAPI's. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}');
}

function parameters(route: RouteSpec): JsonSchema[] {
  const result: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      result.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: property,
      });
    }
  }
  return result;
}

/**
 * The OpenAPI 3 document of the API, generated from the route table and the same zod schemas that
 * validate requests, so it cannot drift from what the engine accepts.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    const body = route.docs?.body ?? route.body;
    const operation: JsonSchema = {
      summary: route.summary,
      'x-permission': route.permission,
      ...(route.dryRun ? { 'x-dry-run': true } : {}),
      parameters: parameters(route),
      responses: {
        [String(route.status ?? 200)]: {
          description: 'success',
          ...(route.docs?.response
            ? { content: { 'application/json': { schema: toSchema(route.docs.response) } } }
            : {}),
        },
        ...(route.dryRun && (route.status ?? 200) !== 200
          ? {
              '200': {
                description: 'with ?dryRun=true: what would be applied, {manifests: [...]}',
              },
            }
          : {}),
        default: {
          description: 'an error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
    if (body && route.method !== 'GET' && route.method !== 'DELETE') {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(body) } },
      };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'KubeDB DBaaS engine API', version },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      path: { type: 'string' },
                      rule: { type: 'string' },
                      message: { type: 'string' },
                    },
                  },
                },
                requestId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}
