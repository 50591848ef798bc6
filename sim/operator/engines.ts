/**
 * What differs between the six KubeDB engines: names, ports, containers, superusers and default
 * resources (REFERENCE.md sections 2.1, 3 and 5).
 */

export const DB_API = 'kubedb.com/v1';
export const OPS_API = 'ops.kubedb.com/v1alpha1';
export const CATALOG_API = 'catalog.kubedb.com/v1alpha1';
export const PETSET_API = 'apps.k8s.appscode.com/v1';

export type EngineKind =
  'Postgres' | 'MySQL' | 'MongoDB' | 'MariaDB' | 'Redis' | 'RedisSentinel' | 'Elasticsearch';

/** Static facts about one engine. */
export interface EngineInfo {
  kind: EngineKind;
  plural: string;
  /** The webhook name prefix ("postgres" -> postgreswebhook.validators.kubedb.com). */
  singular: string;
  versionKind: string;
  opsKind: string;
  mainContainer: string;
  initContainer: string;
  superuser: string;
  port: number;
  portName: string;
  /** The verticalScaling / volumeExpansion key of the main component (when not per component). */
  opsKey: string;
}

export const ENGINES: Record<EngineKind, EngineInfo> = {
  Postgres: {
    kind: 'Postgres',
    plural: 'postgreses',
    singular: 'postgres',
    versionKind: 'PostgresVersion',
    opsKind: 'PostgresOpsRequest',
    mainContainer: 'postgres',
    initContainer: 'postgres-init-container',
    superuser: 'postgres',
    port: 5432,
    portName: 'db',
    opsKey: 'postgres',
  },
  MySQL: {
    kind: 'MySQL',
    plural: 'mysqls',
    singular: 'mysql',
    versionKind: 'MySQLVersion',
    opsKind: 'MySQLOpsRequest',
    mainContainer: 'mysql',
    initContainer: 'mysql-init',
    superuser: 'root',
    port: 3306,
    portName: 'db',
    opsKey: 'mysql',
  },
  MongoDB: {
    kind: 'MongoDB',
    plural: 'mongodbs',
    singular: 'mongodb',
    versionKind: 'MongoDBVersion',
    opsKind: 'MongoDBOpsRequest',
    mainContainer: 'mongodb',
    initContainer: 'copy-config',
    superuser: 'root',
    port: 27017,
    portName: 'db',
    opsKey: 'replicaSet',
  },
  MariaDB: {
    kind: 'MariaDB',
    plural: 'mariadbs',
    singular: 'mariadb',
    versionKind: 'MariaDBVersion',
    opsKind: 'MariaDBOpsRequest',
    mainContainer: 'mariadb',
    initContainer: 'mariadb-init',
    superuser: 'root',
    port: 3306,
    portName: 'db',
    opsKey: 'mariadb',
  },
  Redis: {
    kind: 'Redis',
    plural: 'redises',
    singular: 'redis',
    versionKind: 'RedisVersion',
    opsKind: 'RedisOpsRequest',
    mainContainer: 'redis',
    initContainer: 'redis-init',
    superuser: 'default',
    port: 6379,
    portName: 'db',
    opsKey: 'redis',
  },
  // The sentinel of Redis `mode: Sentinel` (REFERENCE 3.5); it shares the RedisVersion catalog.
  RedisSentinel: {
    kind: 'RedisSentinel',
    plural: 'redissentinels',
    singular: 'redissentinel',
    versionKind: 'RedisVersion',
    opsKind: 'RedisSentinelOpsRequest',
    mainContainer: 'redissentinel',
    initContainer: 'sentinel-init',
    superuser: 'default',
    port: 26379,
    portName: 'sentinel',
    opsKey: 'redissentinel',
  },
  Elasticsearch: {
    kind: 'Elasticsearch',
    plural: 'elasticsearches',
    singular: 'elasticsearch',
    versionKind: 'ElasticsearchVersion',
    opsKind: 'ElasticsearchOpsRequest',
    mainContainer: 'elasticsearch',
    initContainer: 'init-sysctl',
    superuser: 'elastic',
    port: 9200,
    portName: 'http',
    opsKey: 'node',
  },
};

export const ENGINE_KINDS = Object.keys(ENGINES) as EngineKind[];

export function isEngineKind(kind: string): kind is EngineKind {
  return kind in ENGINES;
}

export function engineByPlural(plural: string): EngineInfo | undefined {
  return ENGINE_KINDS.map((k) => ENGINES[k]).find((e) => e.plural === plural);
}

export function engineByOpsKind(opsKind: string): EngineInfo | undefined {
  return ENGINE_KINDS.map((k) => ENGINES[k]).find((e) => e.opsKind === opsKind);
}

/** Labels every object of a database carries (and the PetSet selector). */
export function baseLabels(engine: EngineInfo, db: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': `${engine.plural}.kubedb.com`,
    'app.kubernetes.io/instance': db,
    'app.kubernetes.io/managed-by': 'kubedb.com',
  };
}

/** Core ResourceRequirements as JSON. */
export interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** The resources the operator defaults when the user gives none (REFERENCE 2.1). */
export function defaultMainResources(kind: EngineKind, version: string): Resources {
  const major = Number(/(\d+)\./.exec(version)?.[1] ?? '0');
  if (kind === 'MongoDB' && major >= 8) {
    return { requests: { cpu: '800m', memory: '1536Mi' }, limits: { memory: '1536Mi' } };
  }
  if (kind === 'MongoDB' && major >= 6) {
    return { requests: { cpu: '800m', memory: '1Gi' }, limits: { memory: '1Gi' } };
  }
  if (kind === 'Elasticsearch') {
    return { requests: { cpu: '500m', memory: '1536Mi' }, limits: { memory: '1536Mi' } };
  }
  return { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } };
}

export const SIDECAR_RESOURCES: Resources = {
  requests: { cpu: '200m', memory: '256Mi' },
  limits: { memory: '256Mi' },
};

export const INIT_RESOURCES: Resources = {
  requests: { cpu: '200m', memory: '256Mi' },
  limits: { memory: '512Mi' },
};

/**
 * Merges the user's resources with the defaults: a missing limit takes the request, a missing
 * request takes the limit, and nothing given means the defaults.
 */
export function mergeResources(user: Resources | undefined, defaults: Resources): Resources {
  if (!user || (!user.requests && !user.limits)) return structuredClone(defaults);
  const requests: Record<string, string> = { ...(user.requests ?? {}) };
  const limits: Record<string, string> = { ...(user.limits ?? {}) };
  for (const name of Object.keys(limits)) requests[name] ??= limits[name] as string;
  if (requests.memory !== undefined) limits.memory ??= requests.memory;
  if (requests.cpu === undefined && defaults.requests?.cpu) requests.cpu = defaults.requests.cpu;
  if (requests.memory === undefined && defaults.requests?.memory) {
    requests.memory = defaults.requests.memory;
    if (defaults.limits?.memory) limits.memory ??= defaults.limits.memory;
  }
  return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}

/** Elasticsearch topology node keys and the name suffix / role label each gets. */
export const ES_NODE_SUFFIX: Record<string, string> = {
  master: 'master',
  ingest: 'ingest',
  data: 'data',
  dataContent: 'data-content',
  dataHot: 'data-hot',
  dataWarm: 'data-warm',
  dataCold: 'data-cold',
  dataFrozen: 'data-frozen',
  ml: 'ml',
  transform: 'transform',
  coordinating: 'coordinating',
};
