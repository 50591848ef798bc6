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
 * Elasticsearch/OpenSearch (REFERENCE 3.6): combined nodes (`spec.replicas`), or a dedicated
 * topology with master, ingest and data nodes, where `replicas` is the data node count and
 * `spec.replicas`/`spec.storage` must not be set. Every node gets the same size and resources.
 */
export function buildElasticsearch(input: ManifestInput): KubeObject {
  if (input.mode === 'topology') {
    const topology = topologyOf(input);
    const node = (replicas: number) => ({
      replicas,
      storage: storageSpec(input),
      podTemplate: podTemplate(input),
    });
    return databaseObject(input, {
      ...commonSpec(input),
      topology: {
        master: node(topology.masters),
        ingest: node(topology.ingest),
        data: node(input.replicas),
      },
    });
  }
  return databaseObject(input, {
    ...commonSpec(input),
    replicas: input.replicas,
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  });
}
