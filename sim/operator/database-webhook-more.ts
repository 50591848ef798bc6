/**
 * More of the KubeDB database webhooks (REFERENCE sections 2 and 3, kubedb apimachinery
 * `SetDefaults` and `pkg/webhooks/kubedb/v1`): the mutating webhook's defaults for
 * `leaderElection`, the Postgres arbiter, `sslMode`, `clientAuthMode`/`clusterAuthMode` and the pod
 * templates (service account, container resources: see database-defaults.ts), and validating rules
 * the real webhooks enforce, worded as they word them (Halt with Ephemeral storage, TLS-only
 * `sslMode` without `spec.tls`, a MySQL group name that is not a UUID, the node roles an
 * Elasticsearch topology needs, MongoDB arbiter/hidden members of a standalone).
 */
import type { KubeObject } from '../core/contract';
import { templateDefaults } from './database-defaults';
import type { EngineKind } from './engines';
import { ARBITER_RESOURCES } from './layout-members';
import { asNumber, asRecord, text } from './util';

/** The raft defaults `SetDefaults` gives a Postgres without `spec.leaderElection`. */
const POSTGRES_LEADER_ELECTION = {
  electionTick: 10,
  heartbeatTick: 1,
  maximumLagBeforeFailover: 67108864,
  period: '300ms',
};

function major(version: string): number {
  return Number(/^(\d+)/.exec(version.replace(/^[a-z-]+/i, ''))?.[1] ?? '0');
}

function postgresDefaults(spec: Record<string, unknown>, version: string): void {
  spec.sslMode ??= spec.tls !== undefined ? 'verify-full' : 'disable';
  spec.clientAuthMode ??= major(version) >= 18 ? 'scram' : 'md5';
  spec.standbyMode ??= 'Hot';
  // A given leaderElection is kept as it is; only the transfer settings are filled in.
  spec.leaderElection = {
    ...(spec.leaderElection === undefined
      ? POSTGRES_LEADER_ELECTION
      : asRecord(spec.leaderElection)),
  };
  const election = spec.leaderElection as Record<string, unknown>;
  election.transferLeadershipInterval ??= '1s';
  election.transferLeadershipTimeout ??= '1m0s';
  if (asNumber(spec.replicas, 1) % 2 === 0 && spec.arbiter === undefined)
    spec.arbiter = { resources: structuredClone(ARBITER_RESOURCES) };
}

function mongoDefaults(spec: Record<string, unknown>): void {
  spec.storageEngine ??= 'wiredTiger';
  spec.sslMode ??= spec.tls !== undefined ? 'requireSSL' : 'disabled';
  if (spec.replicaSet !== undefined || spec.shardTopology !== undefined)
    spec.clusterAuthMode ??=
      spec.sslMode === 'disabled' || spec.sslMode === 'allowSSL' ? 'keyFile' : 'x509';
}

/** Applies the mutating webhook's remaining defaults to `db` (already a private copy). */
export function moreDefaults(kind: EngineKind, db: KubeObject): void {
  const spec = asRecord(db.spec);
  db.spec = spec;
  if (kind === 'Postgres') postgresDefaults(spec, text(spec.version));
  if (kind === 'MongoDB') mongoDefaults(spec);
  if (kind === 'Elasticsearch' && spec.topology !== undefined) {
    for (const node of Object.values(asRecord(spec.topology))) {
      if (typeof node === 'object' && node !== null)
        (node as Record<string, unknown>).replicas ??= 1;
    }
  }
  templateDefaults(kind, db);
}

/** What a validating rule may need to know of the catalog entry the database names. */
export interface CatalogFacts {
  /** ElasticsearchVersion `spec.distribution`: ElasticStack, OpenSearch, SearchGuard, OpenDistro. */
  distribution?: string;
}

/** How github.com/google/uuid's Parse refuses `value` (undefined: a valid UUID). */
function uuidError(value: string): string | undefined {
  const dashed = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  let body = value;
  if (value.length === 45) {
    if (value.slice(0, 9).toLowerCase() !== 'urn:uuid:')
      return 'invalid urn prefix: ' + value.slice(0, 9);
    body = value.slice(9);
  } else if (value.length === 38) {
    if (!value.startsWith('{') || !value.endsWith('}')) return 'invalid bracketed UUID format';
    body = value.slice(1, -1);
  } else if (value.length === 32) {
    return /^[0-9a-f]{32}$/i.test(value) ? undefined : 'invalid UUID format';
  } else if (value.length !== 36) {
    return `invalid UUID length: ${value.length}`;
  }
  return dashed.test(body) ? undefined : 'invalid UUID format';
}

function elasticsearchRules(
  spec: Record<string, unknown>,
  facts: CatalogFacts,
): string | undefined {
  if (spec.topology === undefined) return undefined;
  const t = asRecord(spec.topology);
  const has = (node: string) => t[node] !== undefined && t[node] !== null;
  if (facts.distribution === 'SearchGuard' && !has('data')) return 'topology.data cannot be empty';
  if (
    (facts.distribution ?? 'ElasticStack') === 'ElasticStack' &&
    !has('data') &&
    (!has('dataHot') || !has('dataContent'))
  )
    return 'when data node is empty, you need to have both dataHot and dataContent nodes';
  return undefined;
}

/** The first validating rule of this list that `spec` breaks, as the webhook words it. */
export function moreRules(
  kind: EngineKind,
  spec: Record<string, unknown>,
  facts: CatalogFacts = {},
): string | undefined {
  const tls = spec.tls !== undefined;
  if (kind === 'Postgres') {
    const sslMode = text(spec.sslMode);
    if (spec.clientAuthMode === 'cert' && sslMode === 'disable')
      return `can't have disable set to postgres.spec.sslMode when postgres.spec.ClientAuthMode is set to cert`;
    if (tls && sslMode === 'disable')
      return `can't have disable set to postgres.spec.sslMode when postgres.spec.TLS is set `;
    if (sslMode !== '' && sslMode !== 'disable' && !tls)
      return `can't have ${sslMode} set to postgres.Spec.SSLMode when postgres.Spec.TLS is null`;
  }
  if (kind === 'MySQL') {
    const mode = asRecord(spec.topology).mode;
    const group = asRecord(asRecord(spec.topology).group);
    // Only GroupReplication gets a (defaulted) group name and its check, as in the real webhook.
    if (mode === 'GroupReplication') {
      const problem = uuidError(text(group.name));
      if (problem) return `invalid group name is set: ${problem}`;
    }
  }
  if (kind === 'MongoDB' && spec.shardTopology === undefined && spec.replicaSet === undefined) {
    if (spec.arbiter !== undefined && spec.arbiter !== null)
      return `spec.arbiter "${JSON.stringify(spec.arbiter)}" is invalid for Standalone MongoDB. `;
    if (spec.hidden !== undefined && spec.hidden !== null)
      return `spec.hidden "${JSON.stringify(spec.hidden)}" is invalid for Standalone MongoDB. `;
  }
  if (
    kind === 'MongoDB' &&
    spec.hidden !== undefined &&
    asNumber(asRecord(spec.hidden).replicas, 0) <= 0
  )
    return `spec.Hidden.Replicas ${asNumber(asRecord(spec.hidden).replicas, 0)} is invalid. Must be 1 or more`;
  if (kind === 'Elasticsearch') {
    const rule = elasticsearchRules(spec, facts);
    if (rule) return rule;
  }
  if (spec.storageType === 'Ephemeral' && (spec.deletionPolicy === 'Halt' || spec.halted === true))
    return `'spec.deletionPolicy: Halt' can not be used for 'Ephemeral' storage`;
  return undefined;
}
