/**
 * More of the KubeDB database webhooks (REFERENCE sections 2 and 3): the mutating webhook's
 * defaults for `leaderElection`, `sslMode`, `clientAuthMode`/`clusterAuthMode`, the pod
 * template's `serviceAccountName` and the main container's resources, and validating rules the
 * real webhooks enforce (Halt with Ephemeral storage, an Elasticsearch topology without a data
 * node, TLS-only `sslMode` without `spec.tls`, a MySQL group name that is not a UUID).
 */
import type { KubeObject } from '../core/contract';
import {
  ENGINES,
  defaultMainResources,
  mergeResources,
  type EngineKind,
  type Resources,
} from './engines';
import { asRecord, text } from './util';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ES_DATA_NODES = ['data', 'dataContent', 'dataHot', 'dataWarm', 'dataCold', 'dataFrozen'];

const POSTGRES_LEADER_ELECTION = {
  electionTick: 10,
  heartbeatTick: 1,
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
  maximumLagBeforeFailover: 33554432,
  period: '100ms',
  transferLeadershipInterval: '1s',
  transferLeadershipTimeout: '1m0s',
};

function major(version: string): number {
  return Number(/^(\d+)/.exec(version.replace(/^[a-z-]+/i, ''))?.[1] ?? '0');
}

function record(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = asRecord(parent[key]);
  parent[key] = value;
  return value;
}

/** Applies the mutating webhook's remaining defaults to `db` (already a private copy). */
export function moreDefaults(kind: EngineKind, db: KubeObject): void {
  const spec = asRecord(db.spec);
  const tls = spec.tls !== undefined;
  const version = text(spec.version);
  if (kind === 'Postgres') {
    spec.sslMode ??= tls ? 'verify-full' : 'disable';
    spec.clientAuthMode ??= major(version) >= 18 ? 'scram' : 'md5';
    spec.leaderElection = { ...POSTGRES_LEADER_ELECTION, ...asRecord(spec.leaderElection) };
  }
  if (kind === 'MongoDB') {
    spec.sslMode ??= tls ? 'requireSSL' : 'disabled';
    if (spec.replicaSet !== undefined || spec.shardTopology !== undefined)
      spec.clusterAuthMode ??= tls ? 'x509' : 'keyFile';
  }
  if (kind === 'Elasticsearch' && spec.topology !== undefined) return;
  if (kind === 'MongoDB' && spec.shardTopology !== undefined) return;
  const podSpec = record(record(spec, 'podTemplate'), 'spec');
  podSpec.serviceAccountName ??= db.metadata.name;
  const main = ENGINES[kind].mainContainer;
  const containers = Array.isArray(podSpec.containers)
    ? (podSpec.containers as Record<string, unknown>[])
    : [];
  podSpec.containers = containers;
  let container = containers.find((c) => asRecord(c).name === main);
  if (!container) {
    container = { name: main };
    containers.push(container);
  }
  container.resources = mergeResources(
    container.resources as Resources | undefined,
    defaultMainResources(kind, version),
  );
}

/** The first validating rule of this list that `spec` breaks, as the webhook words it. */
export function moreRules(kind: EngineKind, spec: Record<string, unknown>): string | undefined {
  if (spec.storageType === 'Ephemeral' && (spec.deletionPolicy === 'Halt' || spec.halted === true))
    return `'spec.deletionPolicy: Halt' can not be used for 'Ephemeral' storage`;
  const tls = spec.tls !== undefined;
  if (kind === 'Postgres' && !tls && spec.sslMode !== undefined && spec.sslMode !== 'disable')
    return `can't set spec.sslMode "${text(spec.sslMode)}" when spec.tls is not set`;
  if (kind === 'MongoDB' && !tls && spec.sslMode !== undefined && spec.sslMode !== 'disabled')
    return `can't set spec.sslMode "${text(spec.sslMode)}" when spec.tls is not set`;
  if (kind === 'MySQL') {
    const name = asRecord(asRecord(spec.topology).group).name;
    if (name !== undefined && !UUID.test(text(name)))
      return `spec.topology.group.name "${text(name)}" is not a valid UUID`;
  }
  if (kind === 'Elasticsearch' && spec.topology !== undefined) {
    const topology = asRecord(spec.topology);
    if (!ES_DATA_NODES.some((n) => topology[n] !== undefined))
      return `spec.topology must have a data node (one of ${ES_DATA_NODES.map((n) => `spec.topology.${n}`).join(', ')})`;
  }
  return undefined;
}
