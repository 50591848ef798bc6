import {
  commonSpec,
  databaseObject,
  podTemplate,
  storageSpec,
  topologyOf,
  type ManifestInput,
} from './common';
import type { KubeObject } from '../types';

/**
 * Postgres (REFERENCE 3.1): 1 replica = standalone; a cluster is a primary plus streaming standbys
 * with the given standby and streaming modes.
 */
export function buildPostgres(input: ManifestInput): KubeObject {
  const topology = topologyOf(input);
  return databaseObject(input, {
    ...commonSpec(input),
    replicas: input.replicas,
    ...(input.mode === 'cluster'
      ? { standbyMode: topology.standbyMode, streamingMode: topology.streamingMode }
      : {}),
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  });
}
