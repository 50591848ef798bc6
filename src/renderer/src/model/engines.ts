/**
 * Product facts the console needs as values. engine/domain has them too, but the renderer may only
 * import its types, so they are restated here (and type-checked against the domain's unions).
 */
import type {
  DatabaseMode,
  DatabaseStatus,
  Engine,
  OperationStatus,
  OperationType,
} from '../api/domain-types';

/** API.md's engines. */
export const ENGINE_NAMES: readonly Engine[] = [
  'postgres',
  'mysql',
  'mongodb',
  'mariadb',
  'redis',
  'elasticsearch',
];

export const DATABASE_STATUS_NAMES: readonly DatabaseStatus[] = [
  'PENDING',
  'PROVISIONING',
  'RUNNING',
  'UPDATING',
  'SCALING',
  'PAUSED',
  'FAILED',
  'DELETING',
  'DELETED',
  'UNKNOWN',
];

export const OPERATION_STATUS_NAMES: readonly OperationStatus[] = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
];

export const OPERATION_TYPE_NAMES: readonly OperationType[] = [
  'create',
  'delete',
  'scale-horizontal',
  'scale-vertical',
  'expand-volume',
  'update-version',
  'restart',
  'pause',
  'resume',
  'rotate-credentials',
  'backup',
  'restore',
  'repair-drift',
  'update-settings',
];

/** The modes of each engine; the first is the default (engine/domain/engine.ts ENGINE_MODES). */
export const ENGINE_MODES: Record<Engine, readonly DatabaseMode[]> = {
  postgres: ['standalone', 'cluster'],
  mysql: ['standalone', 'group-replication', 'innodb-cluster'],
  mongodb: ['standalone', 'replicaset', 'sharded'],
  mariadb: ['standalone', 'galera'],
  redis: ['standalone', 'cluster', 'sentinel'],
  elasticsearch: ['combined', 'topology'],
};

/** Allowed replicas of a mode and its default (engine/domain's replicaRuleFor). */
export function replicaRange(
  engine: Engine,
  mode: DatabaseMode,
): { min: number; max: number; default: number } {
  if (mode === 'standalone') return { min: 1, max: 1, default: 1 };
  switch (`${engine}/${mode}`) {
    case 'postgres/cluster':
      return { min: 2, max: 9, default: 3 };
    case 'mysql/group-replication':
    case 'mysql/innodb-cluster':
    case 'mariadb/galera':
      return { min: 3, max: 9, default: 3 };
    case 'mongodb/replicaset':
    case 'mongodb/sharded':
      return { min: 1, max: 9, default: 3 };
    case 'redis/sentinel':
      return { min: 2, max: 9, default: 3 };
    case 'redis/cluster':
      return { min: 2, max: 9, default: 2 };
    case 'elasticsearch/topology':
      return { min: 1, max: 9, default: 2 };
    default:
      return { min: 1, max: 9, default: 1 };
  }
}

/** The wizard's size presets (CPU and memory requests of each pod). */
export const SIZE_PRESETS = {
  small: { cpu: '250m', memory: '512Mi' },
  medium: { cpu: '1', memory: '2Gi' },
  large: { cpu: '2', memory: '8Gi' },
} as const;
export type SizePreset = keyof typeof SIZE_PRESETS | 'custom';
