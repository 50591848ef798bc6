import type { Engine } from '../../domain';
import {
  DOMAIN_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PROJECT_LABEL,
  type KubeObject,
} from '../types';
import type { ManifestInput } from './common';
import { buildElasticsearch } from './elasticsearch';
import { buildMariadb } from './mariadb';
import { buildMongodb } from './mongodb';
import { buildMysql } from './mysql';
import { buildPostgres } from './postgres';
import { buildRedis, buildRedisSentinel } from './redis';

export type { ManifestInput } from './common';
export { MONGODB_REPLICA_SET_NAME } from './mongodb';
export { SENTINEL_STORAGE_SIZE, buildRedisSentinel } from './redis';

const BUILDERS: Record<Engine, (input: ManifestInput) => KubeObject> = {
  postgres: buildPostgres,
  mysql: buildMysql,
  mongodb: buildMongodb,
  mariadb: buildMariadb,
  redis: buildRedis,
  elasticsearch: buildElasticsearch,
};

/** The kubedb.com/v1 object of a database, as it should be applied (server-side apply). */
export function buildDatabaseManifest(input: ManifestInput): KubeObject {
  return BUILDERS[input.engine](input);
}

/** The namespace of a project, `<domain>-<project>`, labelled as ours. */
export function buildNamespaceManifest(input: {
  namespace: string;
  domain: string;
  project: string;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: input.namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
        [DOMAIN_LABEL]: input.domain,
        [PROJECT_LABEL]: input.project,
      },
    },
  };
}

/**
 * Everything a database needs, in apply order: the namespace, the RedisSentinel (sentinel-mode
 * Redis only; the Redis refers to it), then the database. This is also the dry-run answer.
 */
export function buildDesiredManifests(input: ManifestInput): KubeObject[] {
  const objects = [buildNamespaceManifest(input)];
  if (input.engine === 'redis' && input.mode === 'sentinel')
    objects.push(buildRedisSentinel(input));
  objects.push(buildDatabaseManifest(input));
  return objects;
}

/** KubeDB's webhook refuses `halted: true` with `deletionPolicy: DoNotTerminate` (REFERENCE 2). */
export function canHalt(input: Pick<ManifestInput, 'deletionPolicy'>): boolean {
  return input.deletionPolicy !== 'DoNotTerminate';
}
