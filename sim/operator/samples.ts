/**
 * Sample databases for a demo cluster: a mix of engines in the `demo` namespace, created through
 * admission like a user's would be.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { DB_API, type EngineKind } from './engines';

export const DEMO_NAMESPACE = 'demo';

const storage = (size: string) => ({
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: size } },
});

const TEMPLATES: { kind: EngineKind; base: string; spec: Record<string, unknown> }[] = [
  {
    kind: 'Postgres',
    base: 'orders-pg',
    spec: {
      version: '16.4',
      replicas: 3,
      standbyMode: 'Hot',
      streamingMode: 'Asynchronous',
      storage: storage('10Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'MySQL',
    base: 'billing-my',
    spec: {
      version: '8.4.2',
      replicas: 3,
      topology: { mode: 'GroupReplication', group: { mode: 'Single-Primary' } },
      storage: storage('10Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'MongoDB',
    base: 'events-mg',
    spec: {
      version: '7.0.8',
      replicas: 3,
      replicaSet: { name: 'rs0' },
      storage: storage('20Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'Redis',
    base: 'cache-rd',
    spec: {
      version: '7.2.4',
      mode: 'Cluster',
      cluster: { shards: 3, replicas: 2 },
      storage: storage('2Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'MariaDB',
    base: 'cms-md',
    spec: {
      version: '11.2.2',
      replicas: 3,
      topology: { mode: 'GaleraCluster' },
      storage: storage('10Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'Elasticsearch',
    base: 'logs-es',
    spec: {
      version: 'xpack-8.13.4',
      replicas: 3,
      storage: storage('20Gi'),
      deletionPolicy: 'Delete',
    },
  },
  {
    kind: 'Postgres',
    base: 'analytics-pg',
    spec: { version: '15.5', replicas: 1, storage: storage('5Gi'), deletionPolicy: 'WipeOut' },
  },
  {
    kind: 'Redis',
    base: 'session-rd',
    spec: { version: '7.4.6', storage: storage('1Gi'), deletionPolicy: 'WipeOut' },
  },
];

/** The manifest of the `index`-th sample database (names get a suffix after the first round). */
export function sampleDatabase(index: number, namespace = DEMO_NAMESPACE): KubeObject {
  const template = TEMPLATES[index % TEMPLATES.length] as (typeof TEMPLATES)[number];
  const round = Math.floor(index / TEMPLATES.length);
  return {
    apiVersion: DB_API,
    kind: template.kind,
    metadata: {
      name: round === 0 ? template.base : `${template.base}-${round + 1}`,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'sim-demo' },
    },
    spec: structuredClone(template.spec),
  };
}

/** Creates `count` sample databases in the demo namespace (skipping ones that exist). */
export function createSampleDatabases(
  state: ClusterState,
  count: number,
  namespace = DEMO_NAMESPACE,
): KubeObject[] {
  if (!state.get('v1', 'Namespace', undefined, namespace)) {
    state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }
  const out: KubeObject[] = [];
  for (let i = 0; i < count; i++) {
    const db = sampleDatabase(i, namespace);
    if (state.get(db.apiVersion, db.kind, namespace, db.metadata.name ?? '')) continue;
    out.push(state.create(db));
  }
  return out;
}
