/**
 * The ops webhook: the database must exist, `spec` is immutable, an UpdateVersion target must be in
 * the current catalog entry's update constraints, a volume can only grow, and scaling must respect
 * the engine's topology rules (MySQL group 3..9 and the like).
 */
import {
  SimApiError,
  type AdmissionHook,
  type ClusterState,
  type KubeObject,
} from '../core/contract';
import { findVersion, upgradeAllowed } from './catalog';
import { denied } from './database-admission';
import { DB_API, ENGINES, type EngineKind } from './engines';
import { componentEntries } from './ops-components';
import { asNumber, asRecord, getPath, parseQuantity, text } from './util';

function validateHorizontal(
  kind: EngineKind,
  db: KubeObject,
  block: Record<string, unknown>,
): string | undefined {
  const spec = asRecord(db.spec);
  switch (kind) {
    case 'MySQL': {
      const mode = asRecord(spec.topology).mode;
      const member = asNumber(block.member, NaN);
      if (mode === undefined) return `horizontal scaling is not supported for a standalone MySQL`;
      if (
        (mode === 'GroupReplication' || mode === 'InnoDBCluster') &&
        !(member >= 3 && member <= 9)
      ) {
        return `group size must be in range [3, 9], got ${String(block.member)}`;
      }
      return undefined;
    }
    case 'MariaDB': {
      const member = asNumber(block.member, NaN);
      if (block.maxscale === true) {
        if (asRecord(spec.topology).mode !== 'MariaDBReplication')
          return `MaxScale scaling needs spec.topology.mode MariaDBReplication`;
        if (!(member >= 1)) return `spec.horizontalScaling.member must be at least 1 for MaxScale`;
        return undefined;
      }
      if (block.member !== undefined && !(member >= 3))
        return `spec.horizontalScaling.member must be at least 3 for a MariaDB cluster, got ${text(block.member)}`;
      if (spec.topology === undefined)
        return `horizontal scaling is not supported for a standalone MariaDB`;
      return undefined;
    }
    case 'Postgres':
      if (block.replicas !== undefined && !(asNumber(block.replicas, 0) > 0))
        return `spec.horizontalScaling.replicas must be greater than 0`;
      return undefined;
    case 'MongoDB':
      if (spec.shardTopology === undefined && spec.replicaSet === undefined)
        return `horizontal scaling is not supported for a standalone MongoDB`;
      return undefined;
    case 'Redis':
      if (spec.mode === 'Cluster') {
        if (block.shards !== undefined && asNumber(block.shards, 0) < 3)
          return `spec.horizontalScaling.shards must be at least 3`;
        if (block.replicas !== undefined && asNumber(block.replicas, 0) <= 1)
          return `spec.horizontalScaling.replicas must be greater than 1`;
      } else if ((spec.mode ?? 'Standalone') === 'Standalone') {
        return `horizontal scaling is not supported for a standalone Redis`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function validateVolume(
  kind: EngineKind,
  db: KubeObject,
  block: Record<string, unknown>,
): string | undefined {
  const spec = asRecord(db.spec);
  const entries = componentEntries(kind, block, spec).filter((e) => e.target.storagePath);
  if (entries.length === 0) return `spec.volumeExpansion names no storage of this ${kind}`;
  for (const e of entries) {
    const current = parseQuantity(
      getPath(db, [...(e.target.storagePath ?? []), 'resources', 'requests', 'storage']),
    );
    const desired = parseQuantity(e.value);
    if (!Number.isFinite(desired))
      return `invalid quantity ${String(e.value)} for spec.volumeExpansion.${e.key}`;
    if (Number.isFinite(current) && desired <= current) {
      return `desired storage size for ${e.key} (${String(e.value)}) must be greater than the current size (${String(getPath(db, [...(e.target.storagePath ?? []), 'resources', 'requests', 'storage']))})`;
    }
  }
  return undefined;
}

/** The group the real ops webhook names in its Invalid errors (its own spelling, per engine). */
const OPS_GROUP: Record<EngineKind, string> = {
  Postgres: 'Postgresopsrequests.kubedb.com',
  MySQL: 'MySQLopsrequests.kubedb.com',
  MongoDB: 'MongoDBopsrequests.kubedb.com',
  MariaDB: 'MariaDBopsrequests.kubedb.com',
  Redis: 'Redisopsrequests.kubedb.com',
  RedisSentinel: 'RedisSentinelopsrequests.kubedb.com',
  Elasticsearch: 'elasticsearchopsrequests.kubedb.com',
};

/** The StorageMigration checks of the ops webhook, in its order and words. */
function storageMigrationProblem(
  kind: EngineKind,
  spec: Record<string, unknown>,
  db: KubeObject,
): string | undefined {
  const migration = spec.migration;
  if (migration === undefined || migration === null)
    return 'spec.migration is required for StorageMigration type';
  const m = asRecord(migration);
  if (kind === 'MongoDB' || kind === 'Elasticsearch') {
    if (Object.keys(m).length === 0)
      return kind === 'MongoDB'
        ? 'at least one component migration spec is required in spec.migration'
        : 'at least one node migration spec is required in spec.migration';
  } else if (typeof m.storageClassName !== 'string') {
    return 'spec.migration.storageClassName is required';
  }
  if (spec.timeout === undefined || spec.timeout === null) {
    // Postgres and Elasticsearch word it without the space after the comma.
    const sep = kind === 'Postgres' || kind === 'Elasticsearch' ? ',' : ', ';
    return `spec.timeout is required for Storage Migration ops request${sep}adjust timeout according to the size of your database`;
  }
  if (
    ['Postgres', 'MariaDB', 'Redis'].includes(kind) &&
    typeof getPath(db, ['spec', 'storage', 'storageClassName']) !== 'string'
  )
    return "db.Spec.Storage.StorageClassName can't be nil in the database yaml";
  return undefined;
}

/** Builds the ops validating webhook for one engine. */
export function opsAdmission(state: ClusterState, kind: EngineKind): AdmissionHook {
  const info = ENGINES[kind];
  const webhook = `${info.singular}opsrequestwebhook.validators.ops.kubedb.com`;
  return ({ operation, object, old }) => {
    if (operation === 'DELETE') return;
    if (operation === 'UPDATE') {
      if (old && JSON.stringify(old.spec) !== JSON.stringify(object.spec))
        throw denied(webhook, `spec of ${info.opsKind} ${object.metadata.name} is immutable`);
      return;
    }
    const spec = asRecord(object.spec);
    const namespace = object.metadata.namespace;
    const dbName = text(getPath(spec, ['databaseRef', 'name']));
    const db = state.get(DB_API, kind, namespace, dbName);
    if (!db)
      throw denied(
        webhook,
        `failed to get ${info.singular}: ${info.plural}.kubedb.com "${dbName}" not found`,
      );
    const type = text(spec.type);
    let problem: string | undefined;
    if (type === 'UpdateVersion') {
      const targetName = text(getPath(spec, ['updateVersion', 'targetVersion']));
      const currentName = text(getPath(db, ['spec', 'version']));
      const target = findVersion(state, kind, targetName);
      const current = findVersion(state, kind, currentName);
      if (!target) problem = `failed to get ${info.versionKind} "${targetName}": not found`;
      else if (current && !upgradeAllowed(kind, current, target)) {
        problem = `update from version ${currentName} to ${targetName} is not supported: ${targetName} is not in the update constraints of ${currentName}`;
      }
    } else if (type === 'HorizontalScaling') {
      problem = validateHorizontal(kind, db, asRecord(spec.horizontalScaling));
    } else if (type === 'VolumeExpansion') {
      problem = validateVolume(kind, db, asRecord(spec.volumeExpansion));
    } else if (
      type === 'VerticalScaling' &&
      componentEntries(kind, asRecord(spec.verticalScaling), asRecord(db.spec)).length === 0
    ) {
      problem = `spec.verticalScaling names no component of this ${kind}`;
    }
    if (type === 'StorageMigration') {
      const invalid = storageMigrationProblem(kind, spec, db);
      if (invalid) {
        // The real webhook answers an Invalid status on the field spec.migration (422).
        const name = text(object.metadata.name);
        throw new SimApiError(
          422,
          'Invalid',
          `admission webhook "${webhook}" denied the request: ${info.opsKind}.${OPS_GROUP[kind]} "${name}" is invalid: spec.migration: Invalid value: "${name}": ${invalid}`,
        );
      }
    }
    if (problem) throw denied(webhook, problem);
  };
}
