/**
 * The built-in kinds the simulator serves, described the way the real API server's discovery
 * describes them (verbs, short names, categories, status subresource).
 */
import type { ListMergeKeys, ResourceType } from './resource-types';

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Strategic-merge keys of the core kinds (from the Kubernetes Go types' patchMergeKey tags). */
export const CORE_MERGE_KEYS: ListMergeKeys = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  // Container ports merge by containerPort, service ports by port: the item decides (see patch-strategic).
  ports: 'containerPort|port',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologySpreadKey',
};

function builtin(
  partial: Pick<ResourceType, 'group' | 'plural' | 'singular' | 'kind' | 'namespaced'> &
    Partial<ResourceType>,
): ResourceType {
  return {
    versions: ['v1'],
    listKind: `${partial.kind}List`,
    shortNames: [],
    categories: [],
    verbs: CRUD,
    statusSubresource: false,
    builtin: true,
    schemas: {},
    printerColumns: {},
    mergeKeys: CORE_MERGE_KEYS,
    ...partial,
  };
}

const PRESERVE = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;

/**
 * AppBinding (appcatalog.appscode.com/v1alpha1) is a CRD of AppsCode's catalog in a real cluster;
 * KubeDB creates one per database. It is served here like a custom resource installed from a CRD
 * (merge patches, generation, OpenAPI), with the CRD's top-level spec fields.
 */
function appBindingType(): ResourceType {
  const version = 'v1alpha1';
  return {
    group: 'appcatalog.appscode.com',
    versions: [version],
    plural: 'appbindings',
    singular: 'appbinding',
    kind: 'AppBinding',
    listKind: 'AppBindingList',
    shortNames: [],
    categories: ['catalog', 'appscode', 'all'],
    namespaced: true,
    verbs: CRUD,
    statusSubresource: false,
    builtin: false,
    schemas: {
      [version]: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            required: ['clientConfig'],
            properties: {
              appRef: PRESERVE,
              clientConfig: PRESERVE,
              parameters: PRESERVE,
              secret: PRESERVE,
              secretTransforms: { type: 'array', items: PRESERVE },
              tlsSecret: PRESERVE,
              type: { type: 'string' },
              version: { type: 'string' },
            },
          },
        },
      },
    },
    printerColumns: {
      [version]: [
        { name: 'Type', type: 'string', jsonPath: '.spec.type' },
        { name: 'Version', type: 'string', jsonPath: '.spec.version' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
  };
}

/** Every built-in resource type, fresh copies. */
export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin({
      group: '',
      plural: 'namespaces',
      singular: 'namespace',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      statusSubresource: true,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    }),
    builtin({ group: '', plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true }),
    builtin({
      group: '',
      plural: 'configmaps',
      singular: 'configmap',
      kind: 'ConfigMap',
      namespaced: true,
      shortNames: ['cm'],
    }),
    builtin({
      group: '',
      plural: 'services',
      singular: 'service',
      kind: 'Service',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      statusSubresource: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    }),
    builtin({
      group: '',
      plural: 'pods',
      singular: 'pod',
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      statusSubresource: true,
    }),
    builtin({
      group: '',
      plural: 'persistentvolumeclaims',
      singular: 'persistentvolumeclaim',
      kind: 'PersistentVolumeClaim',
      namespaced: true,
      shortNames: ['pvc'],
      statusSubresource: true,
    }),
    builtin({
      group: '',
      plural: 'serviceaccounts',
      singular: 'serviceaccount',
      kind: 'ServiceAccount',
      namespaced: true,
      shortNames: ['sa'],
    }),
    appBindingType(),
    builtin({
      group: '',
      plural: 'events',
      singular: 'event',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
    }),
    builtin({
      group: 'coordination.k8s.io',
      plural: 'leases',
      singular: 'lease',
      kind: 'Lease',
      namespaced: true,
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      plural: 'customresourcedefinitions',
      singular: 'customresourcedefinition',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      statusSubresource: true,
    }),
    builtin({
      group: 'metrics.k8s.io',
      versions: ['v1beta1'],
      plural: 'pods',
      singular: '',
      kind: 'PodMetrics',
      namespaced: true,
      verbs: ['get', 'list'],
      virtual: true,
    }),
  ];
}
