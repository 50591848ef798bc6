import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import {
  CreateDatabaseRequestSchema,
  ENGINE_MODES,
  namespaceFor,
  type DatabaseSpec,
  type Engine,
} from '../../domain';
import type { KubeObject } from '../types';

// Test support only (excluded from the engine build like every conformance/ folder): it reads files.

function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(closeObjects);
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  Object.values(node).forEach(closeObjects);
  if (
    node.properties &&
    node.additionalProperties === undefined &&
    !node['x-kubernetes-preserve-unknown-fields']
  ) {
    node.additionalProperties = false;
  }
}

/**
 * A validator over the real CRDs of `crdsDir` (tests find it with sim/crds.ts). Unknown fields are
 * rejected (`additionalProperties: false` wherever a CRD does not preserve unknown fields), because
 * an API server would silently prune them: a misspelt field must fail here instead.
 */
export function loadCrdValidator(crdsDir: string): (object: KubeObject) => string {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  for (const keyword of [
    'x-kubernetes-list-map-keys',
    'x-kubernetes-list-type',
    'x-kubernetes-map-type',
    'x-kubernetes-preserve-unknown-fields',
  ]) {
    ajv.addKeyword({ keyword });
  }
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (enabled: boolean, data: unknown) =>
      !enabled || typeof data === 'number' || typeof data === 'string',
  });
  const validators = new Map<string, ValidateFunction>();
  type Crd = {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: object } }[];
    };
  };
  for (const file of readdirSync(crdsDir).filter((name) => name.endsWith('.yaml'))) {
    const crd = yaml.load(readFileSync(`${crdsDir}/${file}`, 'utf8')) as Crd;
    for (const version of crd.spec.versions) {
      const schema = structuredClone(version.schema.openAPIV3Schema);
      closeObjects(schema);
      // The API server handles metadata itself; a CRD's metadata schema only constrains the name.
      delete (schema as { properties: { metadata: Record<string, unknown> } }).properties.metadata
        .additionalProperties;
      validators.set(
        `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
        ajv.compile(schema),
      );
    }
  }
  return (object) => {
    const validate = validators.get(`${object.apiVersion}/${object.kind}`);
    if (!validate) return `no CRD for ${object.apiVersion} ${object.kind}`;
    if (validate(object)) return '';
    return (validate.errors ?? [])
      .map(
        (error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      )
      .join('\n');
  };
}

/** A database spec as the service would store it after parsing a create request. */
export function database(
  engine: Engine,
  mode: string,
  extra: Record<string, unknown> = {},
): DatabaseSpec {
  const request = CreateDatabaseRequestSchema.parse({
    name: `${engine}-db`,
    engine,
    version:
      engine === 'elasticsearch'
        ? 'xpack-8.19.9'
        : engine === 'mysql' && mode === 'innodb-cluster'
          ? '8.0.31-innodb'
          : '8.0.17',
    domain: 'acme',
    project: 'shop',
    mode,
    resources: { cpu: '750m', memory: '2Gi' },
    storage: { size: '10Gi', storageClass: 'fast' },
    deletionPolicy: 'WipeOut',
    labels: { team: 'orders' },
    ...extra,
  });
  return {
    ...request,
    id: 'db-0001',
    namespace: namespaceFor(request.domain, request.project),
    halted: false,
  };
}

/** Every engine with every one of its modes. */
export const MATRIX = (Object.entries(ENGINE_MODES) as [Engine, readonly string[]][]).flatMap(
  ([engine, modes]) => modes.map((mode) => [engine, mode] as const),
);

/** Reads a dotted path (`spec.topology.mode`, `spec.containers.0.name`) of an object. */
export const get = (object: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
