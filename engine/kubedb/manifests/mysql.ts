import { commonSpec, databaseObject, podTemplate, storageSpec, type ManifestInput } from './common';
import type { KubeObject } from '../types';

/** `spec.topology` per mode: absent for standalone (REFERENCE 3.2). */
function mysqlTopology(mode: ManifestInput['mode']): Record<string, unknown> | undefined {
  if (mode === 'group-replication')
    return { mode: 'GroupReplication', group: { mode: 'Single-Primary' } };
  // InnoDB cluster needs an `*-innodb` catalog version; catalog.ts checks that.
  if (mode === 'innodb-cluster')
    return { mode: 'InnoDBCluster', innoDBCluster: { router: { replicas: 1 } } };
  return undefined;
}

/** MySQL (REFERENCE 3.2): standalone, group replication or InnoDB cluster (3..9 members). */
export function buildMysql(input: ManifestInput): KubeObject {
  const topology = mysqlTopology(input.mode);
  return databaseObject(input, {
    ...commonSpec(input),
    replicas: input.replicas,
    ...(topology ? { topology } : {}),
    storage: storageSpec(input),
    podTemplate: podTemplate(input),
  });
}
