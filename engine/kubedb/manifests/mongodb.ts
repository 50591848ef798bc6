import {
  commonSpec,
  databaseObject,
  podTemplate,
  storageSpec,
  topologyOf,
  type ManifestInput,
} from './common';
import type { KubeObject } from '../types';

/** The replica set name KubeDB expects; immutable after create (REFERENCE 2). */
export const MONGODB_REPLICA_SET_NAME = 'rs0';

/**
 * MongoDB (REFERENCE 3.3): standalone (1 replica, no replicaSet), a replica set, or a sharded
 * cluster where `replicas` is the members of each shard and `spec.replicas` must not be set.
 * Config servers get the same volume size as shards so that one `storage.size` describes the database.
 */
export function buildMongodb(input: ManifestInput): KubeObject {
  if (input.mode === 'sharded') {
    const topology = topologyOf(input);
    return databaseObject(input, {
      ...commonSpec(input),
      shardTopology: {
        shard: {
          shards: topology.shards,
          replicas: input.replicas,
          storage: storageSpec(input),
          podTemplate: podTemplate(input),
        },
        configServer: {
          replicas: topology.configServers,
          storage: storageSpec(input),
          podTemplate: podTemplate(input),
        },
        mongos: { replicas: topology.mongos, podTemplate: podTemplate(input) },
      },
    });
  }
  return databaseObject(input, {
    ...commonSpec(input),
    replicas: input.mode === 'standalone' ? 1 : input.replicas,
    ...(input.mode === 'replicaset' ? { replicaSet: { name: MONGODB_REPLICA_SET_NAME } } : {}),
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  });
}
