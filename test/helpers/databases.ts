/**
 * What the database lifecycle tests share (databases*.test.ts): a valid create body to vary, and
 * the KubeDB database objects a simulated cluster holds.
 */
import type { Engine } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';

/** The KubeDB kind of each engine. */
export const KINDS: Record<Engine, string> = {
  postgres: 'Postgres',
  mysql: 'MySQL',
  mongodb: 'MongoDB',
  mariadb: 'MariaDB',
  redis: 'Redis',
  elasticsearch: 'Elasticsearch',
};

/** A valid create request (a Postgres `orders` in acme/shop), with `overrides` applied. */
export function createBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'orders',
    engine: 'postgres',
    version: '16.4',
    domain: 'acme',
    project: 'shop',
    storage: { size: '1Gi', storageClass: 'standard' },
    ...overrides,
  };
}

/** Every KubeDB database object on a cluster, as `kind/namespace/name`. */
export function kubedbObjects(cluster: SimCluster): string[] {
  return Object.values(KINDS)
    .flatMap((kind) =>
      cluster.state
        .list('kubedb.com/v1', kind)
        .map((o) => `${kind}/${o.metadata.namespace}/${o.metadata.name}`),
    )
    .concat(
      cluster.state
        .list('kubedb.com/v1', 'RedisSentinel')
        .map((o) => `RedisSentinel/${o.metadata.namespace}/${o.metadata.name}`),
    )
    .sort();
}
