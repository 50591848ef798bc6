import { commonSpec, databaseObject, podTemplate, storageSpec, type ManifestInput } from './common';
import type { KubeObject } from '../types';

/** MariaDB (REFERENCE 3.4): standalone, or a Galera cluster of at least 3 members. */
export function buildMariadb(input: ManifestInput): KubeObject {
  return databaseObject(input, {
    ...commonSpec(input),
    replicas: input.replicas,
    ...(input.mode === 'galera' ? { topology: { mode: 'GaleraCluster' } } : {}),
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  });
}
