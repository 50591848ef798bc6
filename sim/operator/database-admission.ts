/**
 * The KubeDB mutating and validating webhooks for databases: defaults on create, the catalog and
 * per-engine rules (REFERENCE sections 2, 3 and 10.14), `halted` forcing `deletionPolicy: Halt`,
 * immutable fields, and `DoNotTerminate` refusing deletion.
 *
 * A denial answers 400 like the real API server does for a webhook that gives no status code
 * (kmodules' webhook runtime gives none), with the webhook's name in the message.
 */
import { randomUUID } from 'node:crypto';
import {
  SimApiError,
  type AdmissionHook,
  type ClusterState,
  type KubeObject,
} from '../core/contract';
import { findVersion } from './catalog';
import { moreDefaults, moreRules } from './database-webhook-more';
import { ENGINES, type EngineKind } from './engines';
import { asNumber, asRecord, getPath, text } from './util';

/** A webhook denial as the API server reports it. */
export function denied(webhook: string, message: string): SimApiError {
  return new SimApiError(
    400,
    'BadRequest',
    `admission webhook "${webhook}" denied the request: ${message}`,
  );
}

function defaults(kind: EngineKind, db: KubeObject): KubeObject {
  const out = structuredClone(db);
  const spec = asRecord(out.spec);
  out.spec = spec;
  spec.deletionPolicy ??= 'Delete';
  spec.storageType ??= 'Durable';
  if (spec.authSecret !== undefined)
    spec.authSecret = { kind: 'Secret', ...asRecord(spec.authSecret) };
  switch (kind) {
    case 'MySQL': {
      const topology = asRecord(spec.topology);
      spec.replicas ??= topology.mode ? 3 : 1;
      if (topology.mode === 'GroupReplication') {
        const group = asRecord(topology.group);
        if (typeof group.name !== 'string' || group.name === '') group.name = randomUUID();
        spec.topology = { ...topology, group };
      }
      break;
    }
    case 'MariaDB':
      spec.replicas ??= 1;
      if (asNumber(spec.replicas, 1) > 1 && spec.topology === undefined)
        spec.topology = { mode: 'GaleraCluster' };
      break;
    case 'MongoDB':
      if (spec.shardTopology === undefined) spec.replicas ??= 1;
      break;
    case 'Redis': {
      spec.mode ??= 'Standalone';
      if (spec.mode === 'Cluster')
        spec.cluster = { shards: 3, replicas: 2, ...asRecord(spec.cluster) };
      else spec.replicas ??= spec.mode === 'Sentinel' ? 3 : 1;
      break;
    }
    case 'Elasticsearch':
      if (spec.topology === undefined) spec.replicas ??= 1;
      break;
    case 'RedisSentinel':
      spec.replicas ??= 3;
      break;
    default:
      spec.replicas ??= 1;
  }
  if (spec.halted === true) spec.deletionPolicy = 'Halt';
  return out;
}

function engineRules(kind: EngineKind, spec: Record<string, unknown>): string | undefined {
  const replicas = spec.replicas === undefined ? undefined : asNumber(spec.replicas, NaN);
  if (replicas !== undefined && !(replicas >= 1))
    return `invalid spec.replicas ${String(spec.replicas)}. Value must be greater than zero`;
  switch (kind) {
    case 'MySQL': {
      const mode = asRecord(spec.topology).mode;
      if (spec.topology !== undefined && mode === undefined)
        return `a valid 'spec.topology.mode' must be set for MySQL clustering`;
      if (mode === 'GroupReplication' && (replicas === undefined || replicas < 3 || replicas > 9))
        return `accepted value of 'spec.replicas' for group replication is in range [3, 9]`;
      return undefined;
    }
    case 'MongoDB':
      if (spec.shardTopology !== undefined && spec.replicas !== undefined)
        return `spec.replicas must not be set when spec.shardTopology is set`;
      if (
        spec.shardTopology === undefined &&
        spec.replicaSet === undefined &&
        replicas !== undefined &&
        replicas !== 1
      ) {
        return `spec.replicas for a standalone MongoDB must be 1, got ${replicas}`;
      }
      return undefined;
    case 'MariaDB':
      if (spec.topology !== undefined && (replicas ?? 1) < 3)
        return `spec.replicas must be at least 3 for topology mode ${String(asRecord(spec.topology).mode)}`;
      return undefined;
    case 'Redis': {
      if (spec.mode === 'Cluster') {
        const cluster = asRecord(spec.cluster);
        if (asNumber(cluster.shards, 3) < 3)
          return `spec.cluster.shards must be at least 3, got ${String(cluster.shards)}`;
        if (asNumber(cluster.replicas, 2) <= 1)
          return `spec.cluster.replicas must be greater than 1, got ${String(cluster.replicas)}`;
      }
      if ((spec.mode ?? 'Standalone') === 'Standalone' && replicas !== undefined && replicas !== 1)
        return `spec.replicas must be 1 for standalone mode, got ${replicas}`;
      return undefined;
    }
    case 'Elasticsearch': {
      const topology = spec.topology === undefined ? undefined : asRecord(spec.topology);
      if (topology && spec.replicas !== undefined)
        return `doesn't support spec.replicas when spec.topology is set`;
      if (topology && (topology.master === undefined || topology.ingest === undefined))
        return `spec.topology.master and spec.topology.ingest are required`;
      return undefined;
    }
    default:
      return undefined;
  }
}

function needsStorage(kind: EngineKind, spec: Record<string, unknown>): boolean {
  if (spec.storageType === 'Ephemeral') return false;
  if (kind === 'MongoDB' && spec.shardTopology !== undefined) return false;
  if (kind === 'Elasticsearch' && spec.topology !== undefined) return false;
  return getPath(spec, ['storage']) === undefined;
}

/** Registers the database webhooks for one engine. */
export function databaseAdmission(state: ClusterState, kind: EngineKind): AdmissionHook {
  const info = ENGINES[kind];
  const validator = `${info.singular}webhook.validators.kubedb.com`;
  return ({ operation, object, old }) => {
    const name = `${object.metadata.namespace}/${object.metadata.name}`;
    if (operation === 'DELETE') {
      const target = old ?? object;
      if (getPath(target, ['spec', 'deletionPolicy']) === 'DoNotTerminate') {
        throw denied(
          validator,
          `${info.singular} "${name}" can't be terminated. To delete, change spec.deletionPolicy`,
        );
      }
      return;
    }
    const next = defaults(kind, object);
    moreDefaults(kind, next);
    const spec = asRecord(next.spec);
    const version = text(spec.version);
    if (operation === 'CREATE' || version !== text(getPath(old, ['spec', 'version']))) {
      const catalog = findVersion(state, kind, version);
      if (!catalog)
        throw denied(
          validator,
          `failed to get ${info.versionKind} "${version}": ${info.versionKind.toLowerCase()}s.catalog.kubedb.com "${version}" not found`,
        );
      if (operation === 'CREATE' && getPath(catalog, ['spec', 'deprecated']) === true) {
        throw denied(
          validator,
          `${info.singular} ${name} is using deprecated version ${version}. Skipped processing`,
        );
      }
    }
    const distribution = text(
      getPath(findVersion(state, kind, version), ['spec', 'distribution']),
      'ElasticStack',
    );
    const rule = engineRules(kind, spec) ?? moreRules(kind, spec, { distribution });
    if (rule) throw denied(validator, rule);
    if (operation === 'CREATE' && needsStorage(kind, spec))
      throw denied(validator, `spec.storage can't be empty when spec.storageType is Durable`);
    if (
      getPath(object, ['spec', 'halted']) === true &&
      getPath(object, ['spec', 'deletionPolicy']) === 'DoNotTerminate'
    ) {
      throw denied(validator, `can't halt a database with deletionPolicy DoNotTerminate`);
    }
    if (operation === 'UPDATE' && old) {
      if ((getPath(old, ['spec', 'storageType']) ?? 'Durable') !== spec.storageType)
        throw denied(validator, `spec.storageType is immutable`);
      if (
        kind === 'MongoDB' &&
        getPath(old, ['spec', 'replicaSet', 'name']) !== getPath(spec, ['replicaSet', 'name'])
      ) {
        throw denied(validator, `spec.replicaSet.name is immutable`);
      }
      if (
        getPath(old, ['spec', 'init', 'initialized']) === true &&
        JSON.stringify(getPath(old, ['spec', 'init'])) !== JSON.stringify(spec.init)
      ) {
        throw denied(validator, `spec.init is immutable once initialized`);
      }
    }
    return next;
  };
}
