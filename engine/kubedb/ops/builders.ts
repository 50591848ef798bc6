import { EngineError } from '../../base';
import type { Resources } from '../../domain';
import { resourceRequirements } from '../manifests/common';
import type { KubeObject } from '../types';
import { computeComponents, dataComponents, opsRequest, type OpsInput } from './common';

/** Engine/mode pairs without a horizontal scaling path (standalone is exactly one replica). */
function assertScalable(input: OpsInput): void {
  // KubeDB scales a Postgres from 1 replica to many (REFERENCE 3.1); other standalones it refuses.
  if (input.database.mode === 'standalone' && input.database.engine !== 'postgres') {
    throw new EngineError(
      'UNSUPPORTED',
      `${input.database.engine} standalone cannot scale horizontally`,
    );
  }
}

/**
 * HorizontalScaling to `replicas` (the database's meaning of replicas), optionally with a new shard
 * count for MongoDB sharded / Redis cluster. Field names per engine (REFERENCE 6.2, 10.4).
 */
export function buildHorizontalScaling(
  input: OpsInput,
  target: { replicas: number; shards?: number },
): KubeObject {
  assertScalable(input);
  const { database } = input;
  const shards = target.shards !== undefined ? { shards: target.shards } : {};
  let block: Record<string, unknown>;
  switch (database.engine) {
    case 'postgres':
      // Send the modes explicitly: the CRD defaults (Hot/Asynchronous) would otherwise ask for a
      // mode change on a Warm or Synchronous cluster (REFERENCE 10.15).
      block = {
        replicas: target.replicas,
        standbyMode: database.topology.standbyMode ?? 'Hot',
        streamingMode: database.topology.streamingMode ?? 'Asynchronous',
      };
      break;
    case 'mysql':
    case 'mariadb':
      block = { member: target.replicas };
      break;
    case 'mongodb':
      block =
        database.mode === 'sharded'
          ? { shard: { replicas: target.replicas, ...shards } }
          : { replicas: target.replicas };
      break;
    case 'redis':
      block =
        database.mode === 'cluster'
          ? { replicas: target.replicas, ...shards }
          : { replicas: target.replicas };
      break;
    case 'elasticsearch':
      block =
        database.mode === 'topology'
          ? { topology: { data: target.replicas } }
          : { node: target.replicas };
      break;
  }
  return opsRequest(input, 'HorizontalScaling', { horizontalScaling: block });
}

/** VerticalScaling of the main container of every data pod to `resources`. */
export function buildVerticalScaling(input: OpsInput, resources: Resources): KubeObject {
  const block: Record<string, unknown> = {};
  for (const component of computeComponents(input.database)) {
    block[component] = { resources: resourceRequirements(resources) };
  }
  return opsRequest(input, 'VerticalScaling', { verticalScaling: block });
}

/** VolumeExpansion of every data volume to `size` (must be larger; the StorageClass must allow it). */
export function buildVolumeExpansion(
  input: OpsInput,
  size: string,
  mode: 'Online' | 'Offline' = 'Online',
): KubeObject {
  const block: Record<string, unknown> = { mode };
  for (const component of dataComponents(input.database)) block[component] = size;
  return opsRequest(input, 'VolumeExpansion', { volumeExpansion: block });
}

/** UpdateVersion to a catalog version name from the current version's upgrade targets. */
export function buildUpdateVersion(input: OpsInput, targetVersion: string): KubeObject {
  return opsRequest(input, 'UpdateVersion', { updateVersion: { targetVersion } });
}

/** A rolling Restart. */
export function buildRestart(input: OpsInput): KubeObject {
  return opsRequest(input, 'Restart', { restart: {} });
}

/** RotateAuth: a new generated password, or the credentials of `secretName` when given. */
export function buildRotateAuth(input: OpsInput, secretName?: string): KubeObject {
  return opsRequest(
    input,
    'RotateAuth', // `kind` is schema-required although defaulted, so it is sent explicitly.
    secretName ? { authentication: { secretRef: { kind: 'Secret', name: secretName } } } : {},
  );
}

/** The configuration file each engine's Reconfigure usually carries (REFERENCE 6.2). */
export const CONFIG_FILES = {
  postgres: 'user.conf',
  mysql: 'dbaas.cnf',
  mariadb: 'dbaas.cnf',
  mongodb: 'mongod.conf',
  redis: 'redis.conf',
  elasticsearch: 'elasticsearch.yml',
} as const;

/** Reconfigure with `applyConfig` files; MongoDB nests the block per component. */
export function buildReconfigure(input: OpsInput, applyConfig: Record<string, string>): KubeObject {
  const { database } = input;
  if (database.engine !== 'mongodb')
    return opsRequest(input, 'Reconfigure', { configuration: { applyConfig } });
  const configuration: Record<string, unknown> = {};
  for (const component of computeComponents(database)) configuration[component] = { applyConfig };
  return opsRequest(input, 'Reconfigure', { configuration });
}
