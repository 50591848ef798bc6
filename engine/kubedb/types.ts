import type { Engine } from '../domain';

/** Object metadata as the builders write it and the mappers read it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }[];
}

/** A Kubernetes object. `spec` and `status` stay loosely typed: the CRDs are the schema. */
export interface KubeObject<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
  [key: string]: unknown;
}

/** The label every object the engine creates carries, with this value. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubedb-dbaas';
/** Ties an object to the product's database id. */
export const DATABASE_ID_LABEL = 'dbaas.kubedb.dev/database-id';
export const DOMAIN_LABEL = 'dbaas.kubedb.dev/domain';
export const PROJECT_LABEL = 'dbaas.kubedb.dev/project';
/** Ties an OpsRequest or a KubeStash session to the operation that created it. */
export const OPERATION_ID_LABEL = 'dbaas.kubedb.dev/operation-id';

/** The label selector that finds everything the engine manages (for watches). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/**
 * KubeDB labels the pods it creates itself (`app.kubernetes.io/managed-by=kubedb.com`, with
 * `app.kubernetes.io/instance=<database>`); our own label is not copied onto them (REFERENCE 5).
 */
export const KUBEDB_POD_SELECTOR = `${MANAGED_BY_LABEL}=kubedb.com`;

export const KUBEDB_API_VERSION = 'kubedb.com/v1';
export const OPS_API_VERSION = 'ops.kubedb.com/v1alpha1';
export const CATALOG_API_VERSION = 'catalog.kubedb.com/v1alpha1';

/** Resource plural of each engine's kind (for API paths and watch registration). */
export const ENGINE_PLURALS = {
  postgres: 'postgreses',
  mysql: 'mysqls',
  mongodb: 'mongodbs',
  mariadb: 'mariadbs',
  redis: 'redises',
  elasticsearch: 'elasticsearches',
} as const satisfies Record<Engine, string>;

/** The engine's main container in `podTemplate.spec.containers[]` (REFERENCE 2.1). */
export const MAIN_CONTAINERS = {
  postgres: 'postgres',
  mysql: 'mysql',
  mongodb: 'mongodb',
  mariadb: 'mariadb',
  redis: 'redis',
  elasticsearch: 'elasticsearch',
} as const satisfies Record<Engine, string>;
