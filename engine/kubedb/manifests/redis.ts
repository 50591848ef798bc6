import {
  commonSpec,
  databaseObject,
  podTemplate,
  storageSpec,
  topologyOf,
  type ManifestInput,
} from './common';
import { databaseLabels, sentinelName } from '../names';
import { KUBEDB_API_VERSION, type KubeObject } from '../types';

/** Volume of each sentinel pod: sentinels keep only a small state file. */
export const SENTINEL_STORAGE_SIZE = '1Gi';

/**
 * Redis (REFERENCE 3.5). Cluster: `cluster.shards` and `cluster.replicas` (pods per shard, master
 * included — the v1 meaning); `spec.replicas` is ignored there so it is not sent. Sentinel: data pods
 * plus `sentinelRef` to the RedisSentinel object that `buildRedisSentinel` makes.
 */
export function buildRedis(input: ManifestInput): KubeObject {
  const common = {
    ...commonSpec(input),
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  };
  if (input.mode === 'cluster') {
    return databaseObject(input, {
      ...common,
      mode: 'Cluster',
      cluster: { shards: topologyOf(input).shards, replicas: input.replicas },
    });
  }
  if (input.mode === 'sentinel') {
    return databaseObject(input, {
      ...common,
      mode: 'Sentinel',
      replicas: input.replicas,
      sentinelRef: { name: sentinelName(input.name), namespace: input.namespace },
    });
  }
  return databaseObject(input, { ...common, mode: 'Standalone', replicas: 1 });
}

/** The RedisSentinel object of a sentinel-mode Redis, named `<db>-sentinel`. */
export function buildRedisSentinel(input: ManifestInput): KubeObject {
  return {
    apiVersion: KUBEDB_API_VERSION,
    kind: 'RedisSentinel',
    metadata: {
      name: sentinelName(input.name),
      namespace: input.namespace,
      labels: databaseLabels(input),
    },
    spec: {
      version: input.version,
      replicas: topologyOf(input).sentinels,
      storageType: 'Durable',
      storage: storageSpec(input, SENTINEL_STORAGE_SIZE),
      deletionPolicy: input.halted ? 'Halt' : input.deletionPolicy,
      ...(input.halted ? { halted: true } : {}),
    },
  };
}
