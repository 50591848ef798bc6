/**
 * A minimal OpenAPI v3 discovery. kubectl's `--validate=strict` (the default) asks `/openapi/v3`
 * whether the server takes the `fieldValidation` query parameter; for group-versions not listed
 * it looks at the Namespace PATCH operation of `api/v1`. Answering "yes" there makes kubectl leave
 * validation to the server (which then gets `fieldValidation=Strict`), as with a real cluster.
 * Core kinds are deliberately not described, so kubectl builds patches from its own type knowledge;
 * the custom kinds are described from their CRDs (openapi-crds.ts).
 */

const HASH = 'sim0001';

/** `/openapi/v3`: `api/v1` plus the custom group-versions (`extra`). */
export function openApiRoot(extra: Record<string, { serverRelativeURL: string }> = {}): unknown {
  return {
    paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${HASH}` }, ...extra },
  };
}

/** The core kinds served, [kind, plural, namespaced]. */
const CORE_KINDS: [string, string, boolean][] = [
  ['Namespace', 'namespaces', false],
  ['Secret', 'secrets', true],
  ['ConfigMap', 'configmaps', true],
  ['Service', 'services', true],
  ['Pod', 'pods', true],
  ['PersistentVolumeClaim', 'persistentvolumeclaims', true],
  ['Event', 'events', true],
];

/** `/openapi/v3/api/v1`. */
export function openApiCoreV1(): unknown {
  const fieldValidation = {
    name: 'fieldValidation',
    in: 'query',
    description:
      'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
    schema: { type: 'string', uniqueItems: true },
  };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4-sim' },
    paths: Object.fromEntries(
      CORE_KINDS.map(([kind, plural, namespaced]) => [
        namespaced ? `/api/v1/namespaces/{namespace}/${plural}/{name}` : `/api/v1/${plural}/{name}`,
        {
          patch: {
            tags: ['core_v1'],
            operationId: `patchCoreV1${namespaced ? 'Namespaced' : ''}${kind}`,
            parameters: [fieldValidation],
            responses: { '200': { description: 'OK' } },
            'x-kubernetes-action': 'patch',
            'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind },
          },
        },
      ]),
    ),
    components: { schemas: {} },
  };
}
