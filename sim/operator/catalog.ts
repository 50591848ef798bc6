/**
 * The catalog this simulated cluster ships (catalog.kubedb.com/v1alpha1, cluster-scoped), written
 * for this project in the shapes of REFERENCE section 7, and the upgrade rule the ops webhook applies.
 * Each engine has at least one deprecated entry; update constraints forbid downgrades and allow
 * upgrades roughly one major version ahead, like the real catalog.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { CATALOG_API, ENGINES, type EngineKind } from './engines';
import type { VersionImages } from './layout';
import { allowedByConstraints } from './semver';
import { asRecord, getPath, text } from './util';

interface Entry {
  name: string;
  version: string;
  allow: string[];
  deny?: string[];
  deprecated?: boolean;
  distribution?: string;
}

/** Catalog entries per engine (name, upstream version, allowlist, denylist). */
export const CATALOG_ENTRIES: Record<EngineKind, Entry[]> = {
  Postgres: [
    { name: '13.13', version: '13.13', allow: ['>= 13.13, < 15.0'], deprecated: true },
    { name: '14.10', version: '14.10', allow: ['>= 14.10, < 16.0'] },
    { name: '15.5', version: '15.5', allow: ['>= 15.5, < 17.0'] },
    { name: '16.1', version: '16.1', allow: ['>= 16.1'] },
    { name: '16.4', version: '16.4', allow: ['>= 16.4'] },
    { name: '17.9', version: '17.9', allow: ['>= 17.9'] },
    { name: '18.3', version: '18.3', allow: ['>= 18.3'] },
  ],
  MySQL: [
    {
      name: '8.0.35',
      version: '8.0.35',
      allow: ['>= 8.0.35, <= 8.4.2'],
      deny: ['< 8.0.35'],
      deprecated: true,
    },
    { name: '8.0.36', version: '8.0.36', allow: ['>= 8.0.36, <= 8.4.8'], deny: ['< 8.0.36'] },
    {
      name: '8.0.31-innodb',
      version: '8.0.31',
      allow: ['>= 8.0.31, <= 8.0.36'],
      deny: ['< 8.0.31'],
      distribution: 'MySQL',
    },
    { name: '8.4.2', version: '8.4.2', allow: ['>= 8.4.2, <= 9.1.0'], deny: ['< 8.4.2'] },
    { name: '8.4.8', version: '8.4.8', allow: ['>= 8.4.8, <= 9.1.0'], deny: ['< 8.4.8'] },
    { name: '9.1.0', version: '9.1.0', allow: ['>= 9.1.0'], deny: ['< 9.1.0'] },
  ],
  MongoDB: [
    { name: '4.4.26', version: '4.4.26', allow: ['>= 4.4.26, < 6.0.0'], deprecated: true },
    { name: '6.0.12', version: '6.0.12', allow: ['>= 6.0.12, < 8.0.0'] },
    { name: '7.0.8', version: '7.0.8', allow: ['>= 7.0.8, < 9.0.0'] },
    { name: '8.0.17', version: '8.0.17', allow: ['>= 8.0.17, < 10.0.0'] },
  ],
  MariaDB: [
    { name: '10.5.23', version: '10.5.23', allow: ['>= 10.5.23, < 10.12.0'], deprecated: true },
    { name: '10.11.6', version: '10.11.6', allow: ['>= 10.11.6, <= 11.2.2'] },
    { name: '11.2.2', version: '11.2.2', allow: ['>= 11.2.2, <= 11.8.5'] },
    { name: '11.8.5', version: '11.8.5', allow: ['>= 11.8.5, <= 12.1.2'] },
  ],
  Redis: [
    { name: '6.2.14', version: '6.2.14', allow: ['>= 6.2.14, < 7.2.5'], deprecated: true },
    { name: '7.2.4', version: '7.2.4', allow: ['>= 7.2.4, < 7.4.7'] },
    { name: '7.4.6', version: '7.4.6', allow: ['>= 7.4.6, < 8.2.2'] },
    { name: '8.0.4', version: '8.0.4', allow: ['>= 8.0.4, < 8.2.2'] },
    { name: 'valkey-8.0.3', version: '8.0.3', allow: ['8.0.3'], distribution: 'Valkey' },
  ],
  // RedisSentinel objects use the RedisVersion entries above.
  RedisSentinel: [],
  Elasticsearch: [
    {
      name: 'xpack-7.17.15',
      version: '7.17.15',
      allow: ['>= 7.17.15, < 8.12.0'],
      deprecated: true,
    },
    { name: 'xpack-8.11.1', version: '8.11.1', allow: ['>= 8.11.1, < 8.14.0'] },
    { name: 'xpack-8.13.4', version: '8.13.4', allow: ['>= 8.13.4, < 9.0.0'] },
    { name: 'xpack-8.19.9', version: '8.19.9', allow: ['>= 8.19.9, < 9.2.4'] },
    { name: 'xpack-9.2.3', version: '9.2.3', allow: ['>= 9.2.3'] },
    {
      name: 'opensearch-2.19.2',
      version: '2.19.2',
      allow: ['>= 2.19.2'],
      distribution: 'OpenSearch',
    },
  ],
};

function specFor(kind: EngineKind, e: Entry): Record<string, unknown> {
  const tag = e.version;
  const common = {
    version: e.version,
    deprecated: e.deprecated ?? false,
    podSecurityPolicies: { databasePolicyName: `${ENGINES[kind].singular}-db` },
    securityContext: { runAsUser: 999 },
  };
  const constraints = { allowlist: e.allow, denylist: e.deny ?? [] };
  switch (kind) {
    case 'Postgres':
      return {
        ...common,
        distribution: e.distribution ?? 'Official',
        db: { image: `ghcr.io/appscode-images/postgres:${tag}-alpine`, baseOS: 'alpine' },
        coordinator: { image: 'ghcr.io/kubedb/pg-coordinator:v0.40.0' },
        exporter: { image: 'prometheuscommunity/postgres-exporter:v0.15.0' },
        initContainer: { image: 'ghcr.io/kubedb/postgres-init:0.17.0' },
        updateConstraints: constraints,
        securityContext: { runAsUser: 70 },
      };
    case 'MySQL':
      return {
        ...common,
        distribution: e.distribution ?? 'Official',
        db: { image: `ghcr.io/appscode-images/mysql:${tag}-oracle` },
        coordinator: { image: 'ghcr.io/kubedb/mysql-coordinator:v0.30.0' },
        exporter: { image: 'prom/mysqld-exporter:v0.13.1' },
        initContainer: { image: 'ghcr.io/kubedb/mysql-init:8.0.35-v1' },
        router: { image: `mysql/mysql-router:${tag}` },
        replicationModeDetector: { image: 'ghcr.io/kubedb/replication-mode-detector:v0.38.0' },
        updateConstraints: {
          allowlist: { groupReplication: e.allow, standalone: e.allow },
          denylist: { groupReplication: e.deny ?? [], standalone: e.deny ?? [] },
        },
      };
    case 'MongoDB':
      return {
        ...common,
        distribution: e.distribution ?? 'Official',
        db: { image: `ghcr.io/appscode-images/mongo:${tag}` },
        exporter: { image: 'ghcr.io/kubedb/mongodb_exporter:v0.40.0' },
        initContainer: { image: 'ghcr.io/kubedb/mongodb-init:6.0-v5' },
        replicationModeDetector: { image: 'ghcr.io/kubedb/replication-mode-detector:v0.38.0' },
        updateConstraints: constraints,
      };
    case 'MariaDB':
      return {
        ...common,
        db: { image: `ghcr.io/appscode-images/mariadb:${tag}-jammy` },
        coordinator: { image: 'ghcr.io/kubedb/mariadb-coordinator:v0.34.0' },
        exporter: { image: 'prom/mysqld-exporter:v0.13.1' },
        initContainer: { image: 'ghcr.io/kubedb/mariadb-init:0.6.0' },
        maxscale: { image: 'mariadb/maxscale:24.02.1' },
        updateConstraints: constraints,
      };
    case 'Redis':
    case 'RedisSentinel':
      return {
        ...common,
        distribution: e.distribution ?? 'Official',
        db: {
          image:
            e.distribution === 'Valkey'
              ? `ghcr.io/appscode-images/valkey:${tag}`
              : `ghcr.io/appscode-images/redis:${tag}-bookworm`,
        },
        coordinator: { image: 'ghcr.io/kubedb/redis-coordinator:v0.32.0' },
        exporter: { image: 'ghcr.io/kubedb/redis_exporter:1.9.0' },
        initContainer: { image: 'ghcr.io/kubedb/redis-init:0.11.0' },
        updateConstraints: constraints,
      };
    case 'Elasticsearch': {
      const os = e.distribution === 'OpenSearch';
      return {
        ...common,
        distribution: os ? 'OpenSearch' : 'ElasticStack',
        authPlugin: os ? 'OpenSearch' : 'X-Pack',
        db: {
          image: os
            ? `opensearchproject/opensearch:${tag}`
            : `ghcr.io/appscode-images/elastic:${tag}`,
        },
        dashboard: {
          image: os
            ? `opensearchproject/opensearch-dashboards:${tag}`
            : `ghcr.io/appscode-images/kibana:${tag}`,
        },
        exporter: { image: 'prometheuscommunity/elasticsearch-exporter:v1.7.0' },
        initContainer: {
          image: 'tianon/toybox:0.8.11',
          yqImage: 'ghcr.io/kubedb/elasticsearch-init:8.13.4',
        },
        updateConstraints: constraints,
        securityContext: { runAsUser: 1000, runAsAnyNonRoot: false },
      };
    }
  }
}

/** Every catalog object the simulated cluster installs. */
export function buildCatalogObjects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const [kind, entries] of Object.entries(CATALOG_ENTRIES) as [EngineKind, Entry[]][]) {
    for (const e of entries) {
      out.push({
        apiVersion: CATALOG_API,
        kind: ENGINES[kind].versionKind,
        metadata: {
          name: e.name,
          labels: {
            'app.kubernetes.io/name': 'kubedb-catalog',
            'app.kubernetes.io/instance': 'kubedb',
            'app.kubernetes.io/managed-by': 'Helm',
          },
        },
        spec: specFor(kind, e),
      });
    }
  }
  return out;
}

/** Installs (or refreshes) the catalog into `state`. */
export function installCatalog(state: ClusterState): void {
  for (const obj of buildCatalogObjects()) {
    const existing = state.get(obj.apiVersion, obj.kind, undefined, obj.metadata.name ?? '');
    if (existing)
      state.update(
        { ...obj, metadata: { ...existing.metadata, ...obj.metadata } },
        { skipAdmission: true },
      );
    else state.create(obj, { skipAdmission: true });
  }
}

export function findVersion(
  state: ClusterState,
  kind: EngineKind,
  name: string,
): KubeObject | undefined {
  return state.get(CATALOG_API, ENGINES[kind].versionKind, undefined, name);
}

export function imagesOf(kind: EngineKind, version: KubeObject | undefined): VersionImages {
  const spec = asRecord(version?.spec);
  const img = (path: string[]): string => {
    const v = getPath(spec, path);
    return typeof v === 'string' ? v : 'unknown';
  };
  const extra =
    kind === 'MySQL'
      ? img(['router', 'image'])
      : kind === 'MariaDB'
        ? img(['maxscale', 'image'])
        : img(['db', 'image']);
  const coordinator =
    kind === 'MongoDB' ? img(['replicationModeDetector', 'image']) : img(['coordinator', 'image']);
  return {
    db: img(['db', 'image']),
    coordinator,
    exporter: img(['exporter', 'image']),
    init: img(['initContainer', 'image']),
    extra,
  };
}

/**
 * Whether the ops webhook lets `current` be updated to `target` (catalog names). MySQL reads the
 * `groupReplication` lists for every topology, as the real webhook does.
 */
export function upgradeAllowed(kind: EngineKind, current: KubeObject, target: KubeObject): boolean {
  const constraints = asRecord(asRecord(current.spec).updateConstraints);
  const pick = (v: unknown): string[] => {
    const list = kind === 'MySQL' ? asRecord(v).groupReplication : v;
    return Array.isArray(list) ? (list as string[]) : [];
  };
  const targetVersion = text(asRecord(target.spec).version);
  return allowedByConstraints(
    targetVersion,
    pick(constraints.allowlist),
    pick(constraints.denylist),
  );
}
