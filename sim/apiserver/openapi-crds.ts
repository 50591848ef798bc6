/**
 * OpenAPI documents of the custom kinds, built from the installed CRDs' schemas, as the real API
 * server publishes them: `/openapi/v3` lists one document per custom group-version next to
 * `api/v1`, each naming its kinds with `x-kubernetes-group-version-kind` (so `kubectl explain`
 * works), and `/openapi/v2` holds every custom kind's definition. Every PATCH operation declares
 * `fieldValidation`, so kubectl leaves validation to the server as it does with a real cluster.
 */
import { createHash } from 'node:crypto';
import type { JsonSchema } from './schema';
import type { ResourceRegistry, ResourceType } from './resource-types';

const INFO = { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' };
const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description:
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  schema: { type: 'string', uniqueItems: true },
};

/** `com.kubedb.v1.Postgres` for group kubedb.com, version v1, kind Postgres. */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

function customTypes(registry: ResourceRegistry): ResourceType[] {
  return registry.all().filter((t) => !t.builtin && !t.virtual);
}

function described(t: ResourceType, version: string): JsonSchema {
  const schema = t.schemas[version] ?? { type: 'object' };
  return {
    ...schema,
    'x-kubernetes-group-version-kind': [{ group: t.group, version, kind: t.kind }],
  };
}

function paths(t: ResourceType, version: string, prefix: string): Record<string, unknown> {
  const base = `/apis/${t.group}/${version}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const gvk = { group: t.group, version, kind: t.kind };
  const ref = { $ref: `${prefix}${definitionName(t.group, version, t.kind)}` };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const op = (action: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${action}${t.kind}`,
    responses: ok,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  return {
    [base]: { get: op('list'), post: op('post') },
    [`${base}/{name}`]: {
      get: op('get'),
      put: op('put'),
      delete: op('delete'),
      patch: op('patch', { parameters: [FIELD_VALIDATION] }),
    },
  };
}

function hashOf(doc: unknown): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16).toUpperCase();
}

/** Builds (and caches, while the served types stay the same) the per-group-version documents. */
const instances = new WeakMap<ResourceRegistry, CrdOpenApi>();

/** The (cached) OpenAPI builder of `registry`. */
export function crdOpenApi(registry: ResourceRegistry): CrdOpenApi {
  let api = instances.get(registry);
  if (!api) {
    api = new CrdOpenApi(registry);
    instances.set(registry, api);
  }
  return api;
}

export class CrdOpenApi {
  private cache = new Map<string, { types: ResourceType[]; doc: unknown; hash: string }>();

  constructor(private readonly registry: ResourceRegistry) {}

  /** Custom group-versions served, as `apis/<group>/<version>`. */
  groupVersions(): string[] {
    const out = new Set<string>();
    for (const t of customTypes(this.registry))
      for (const v of t.versions) out.add(`apis/${t.group}/${v}`);
    return [...out].sort();
  }

  /** The v3 document of `group/version`, or undefined when nothing custom is served there. */
  v3(group: string, version: string): { doc: unknown; hash: string } | undefined {
    const types = customTypes(this.registry).filter(
      (t) => t.group === group && t.versions.includes(version),
    );
    if (types.length === 0) return undefined;
    const key = `${group}/${version}`;
    const hit = this.cache.get(key);
    if (hit && hit.types.length === types.length && hit.types.every((t, i) => t === types[i]))
      return hit;
    const doc = {
      openapi: '3.0.0',
      info: INFO,
      paths: types.reduce<Record<string, unknown>>(
        (all, t) => ({ ...all, ...paths(t, version, '#/components/schemas/') }),
        {},
      ),
      components: {
        schemas: Object.fromEntries(
          types.map((t) => [definitionName(group, version, t.kind), described(t, version)]),
        ),
      },
    };
    const entry = { types, doc, hash: hashOf(doc) };
    this.cache.set(key, entry);
    return entry;
  }

  /** `/openapi/v3` entries of the custom group-versions. */
  v3Paths(): Record<string, { serverRelativeURL: string }> {
    const out: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of this.groupVersions()) {
      const [, group = '', version = ''] = gv.split('/');
      const entry = this.v3(group, version);
      if (entry) out[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${entry.hash}` };
    }
    return out;
  }

  /** `/openapi/v2`: a Swagger 2.0 document with every custom kind's definition. */
  v2(): unknown {
    const definitions: Record<string, unknown> = {};
    for (const t of customTypes(this.registry))
      for (const v of t.versions) definitions[definitionName(t.group, v, t.kind)] = described(t, v);
    return { swagger: '2.0', info: INFO, paths: {}, definitions };
  }
}
