import { z } from 'zod';

/** The database engines the product runs through KubeDB. */
export const ENGINES = [
  'postgres',
  'mysql',
  'mongodb',
  'mariadb',
  'redis',
  'elasticsearch',
] as const;
export const EngineSchema = z.enum(ENGINES, {
  error: `engine must be one of ${ENGINES.join(', ')}`,
});
export type Engine = z.infer<typeof EngineSchema>;

/**
 * The topologies ("modes") each engine offers, in the product's words. The first one is the default.
 * - postgres: `cluster` = primary + streaming standbys (raft coordinator)
 * - mysql: `group-replication` / `innodb-cluster` (3..9 members)
 * - mongodb: `replicaset`, `sharded` (replicas = members per shard)
 * - mariadb: `galera` (3..9 members)
 * - redis: `cluster` (replicas = pods per shard incl. master), `sentinel` (+ a RedisSentinel object)
 * - elasticsearch: `combined` (every node does everything) or `topology` (master/ingest/data nodes,
 *   replicas = data nodes)
 */
export const ENGINE_MODES = {
  postgres: ['standalone', 'cluster'],
  mysql: ['standalone', 'group-replication', 'innodb-cluster'],
  mongodb: ['standalone', 'replicaset', 'sharded'],
  mariadb: ['standalone', 'galera'],
  redis: ['standalone', 'cluster', 'sentinel'],
  elasticsearch: ['combined', 'topology'],
} as const satisfies Record<Engine, readonly string[]>;

/** Every mode of every engine. */
export const ALL_MODES = [
  'standalone',
  'cluster',
  'group-replication',
  'innodb-cluster',
  'replicaset',
  'sharded',
  'galera',
  'sentinel',
  'combined',
  'topology',
] as const;
export const DatabaseModeSchema = z.enum(ALL_MODES, {
  error: `mode must be one of ${ALL_MODES.join(', ')}`,
});
export type DatabaseMode = z.infer<typeof DatabaseModeSchema>;

/** The modes valid for one engine. */
export function modesFor(engine: Engine): readonly DatabaseMode[] {
  return ENGINE_MODES[engine];
}

/** The mode a request gets when it names none. */
export function defaultModeFor(engine: Engine): DatabaseMode {
  return ENGINE_MODES[engine][0];
}

/**
 * The mode a request gets when it names none: the default one, or with more than one replica the
 * engine's replicated mode (a standalone has exactly one).
 */
export function modeForReplicas(engine: Engine, replicas: number | undefined): DatabaseMode {
  if (replicas === undefined || replicas <= 1) return defaultModeFor(engine);
  return REPLICATED_MODES[engine];
}

/** Each engine's replicated mode, chosen for `replicas > 1` without a `mode`. */
export const REPLICATED_MODES = {
  postgres: 'cluster',
  mysql: 'group-replication',
  mongodb: 'replicaset',
  mariadb: 'galera',
  redis: 'sentinel',
  elasticsearch: 'combined',
} as const satisfies Record<Engine, DatabaseMode>;

/**
 * The mode a database is in after horizontal scaling to `replicas`. KubeDB's HorizontalScaling takes
 * a Postgres from 1 to N replicas and back (replicas > 0; 1 is a standalone primary, more are a
 * primary with standbys), so Postgres follows its replica count; every other engine keeps its mode.
 */
export function modeAfterScaling(
  engine: Engine,
  mode: DatabaseMode,
  replicas: number,
): DatabaseMode {
  if (engine !== 'postgres') return mode;
  return replicas > 1 ? 'cluster' : 'standalone';
}

/** True when `mode` is one of `engine`'s modes. */
export function isModeOf(engine: Engine, mode: string): mode is DatabaseMode {
  return (ENGINE_MODES[engine] as readonly string[]).includes(mode);
}

/** Allowed range and default of `replicas` for one engine and mode; see `replicaRuleFor`. */
export interface ReplicaRule {
  min: number;
  max: number;
  default: number;
  /** Why the range is what it is, for messages. */
  reason: string;
}

/**
 * What `replicas` means and allows for an engine in a mode (REFERENCE section 3 and 10.14):
 * standalone is exactly 1; MySQL group replication and InnoDB cluster are 3..9; MariaDB Galera
 * needs at least 3; Redis cluster counts pods per shard including the master and needs more than 1.
 */
export function replicaRuleFor(engine: Engine, mode: DatabaseMode): ReplicaRule {
  if (mode === 'standalone')
    return { min: 1, max: 1, default: 1, reason: 'a standalone database has exactly 1 replica' };
  switch (`${engine}/${mode}`) {
    case 'postgres/cluster':
      return {
        min: 2,
        max: 9,
        default: 3,
        reason: 'a postgres cluster is a primary plus at least one standby',
      };
    case 'mysql/group-replication':
    case 'mysql/innodb-cluster':
      return { min: 3, max: 9, default: 3, reason: `mysql ${mode} needs 3 to 9 members` };
    case 'mongodb/replicaset':
      return { min: 1, max: 9, default: 3, reason: 'a mongodb replica set has 1 to 9 members' };
    case 'mongodb/sharded':
      return { min: 1, max: 9, default: 3, reason: 'replicas counts the members of each shard' };
    case 'mariadb/galera':
      return {
        min: 3,
        max: 9,
        default: 3,
        reason: 'a mariadb galera cluster needs at least 3 members',
      };
    case 'redis/cluster':
      return {
        min: 2,
        max: 9,
        default: 2,
        reason:
          'redis cluster replicas count the pods of each shard, master included, and must be more than 1',
      };
    case 'redis/sentinel':
      return {
        min: 2,
        max: 9,
        default: 3,
        reason: 'redis sentinel mode is a master plus at least one replica',
      };
    case 'elasticsearch/combined':
      return {
        min: 1,
        max: 9,
        default: 1,
        reason: 'a combined elasticsearch cluster has 1 to 9 nodes',
      };
    case 'elasticsearch/topology':
      return { min: 1, max: 9, default: 2, reason: 'replicas counts the data nodes' };
    default:
      return { min: 1, max: 9, default: 1, reason: 'replicas must be 1 to 9' };
  }
}

/** The KubeDB kind that runs each engine (group kubedb.com, version v1). */
export const ENGINE_KINDS = {
  postgres: 'Postgres',
  mysql: 'MySQL',
  mongodb: 'MongoDB',
  mariadb: 'MariaDB',
  redis: 'Redis',
  elasticsearch: 'Elasticsearch',
} as const satisfies Record<Engine, string>;

/** Default client port of each engine (REFERENCE section 3). */
export const ENGINE_PORTS = {
  postgres: 5432,
  mysql: 3306,
  mongodb: 27017,
  mariadb: 3306,
  redis: 6379,
  elasticsearch: 9200,
} as const satisfies Record<Engine, number>;
