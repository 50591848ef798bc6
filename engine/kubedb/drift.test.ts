import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { DatabaseSpec } from '../domain';
import { computeAllDrift, computeManagedDrift } from './drift';
import { planDriftRepair } from './live';
import type { KubeObject } from './types';

const desired: DatabaseSpec = {
  id: 'db-1',
  name: 'orders',
  engine: 'postgres',
  version: '16.1',
  domain: 'acme',
  project: 'shop',
  namespace: 'acme-shop',
  replicas: 1,
  mode: 'standalone',
  topology: {},
  resources: { cpu: '500m', memory: '1Gi' },
  storage: { size: '10Gi', storageClass: 'standard' },
  deletionPolicy: 'Delete',
  halted: false,
  labels: { team: 'shop' },
};

/** The live object as KubeDB serves it: our fields, plus operator defaults and kubectl's annotation. */
const inSync = `
apiVersion: kubedb.com/v1
kind: Postgres
metadata:
  name: orders
  namespace: acme-shop
  labels:
    team: shop
    app.kubernetes.io/managed-by: kubedb-dbaas
    dbaas.kubedb.dev/database-id: db-1
    dbaas.kubedb.dev/domain: acme
    dbaas.kubedb.dev/project: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{}'
spec:
  version: "16.1"
  storageType: Durable
  deletionPolicy: Delete
  halted: false
  replicas: 1
  authSecret: {name: orders-auth}
  storage:
    storageClassName: standard
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 10240Mi}}
  podTemplate:
    spec:
      containers:
        - name: postgres
          resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 1Gi}}
`;

const parse = (text: string) => yaml.load(text) as KubeObject;

describe('drift of everything the engine manages', () => {
  it('sees nothing when the live object carries only defaults beside what was applied', () => {
    expect(computeAllDrift(desired, parse(inSync))).toEqual([]);
  });

  it('reports deletionPolicy, labels, annotations and other spec fields changed by hand', () => {
    const changed = parse(
      inSync
        .replace('deletionPolicy: Delete', 'deletionPolicy: WipeOut')
        .replace('team: shop', 'team: other\n    cost-centre: "42"')
        .replace("kubectl.kubernetes.io/last-applied-configuration: '{}'", 'note: by hand')
        .replace('storageType: Durable', 'storageType: Ephemeral'),
    );
    expect(computeManagedDrift(desired, changed)).toEqual([
      { path: 'deletionPolicy', desired: 'Delete', live: 'WipeOut' },
      { path: 'spec.storageType', desired: 'Durable', live: 'Ephemeral' },
      { path: 'labels.team', desired: 'shop', live: 'other' },
      { path: 'labels.cost-centre', desired: null, live: '42' },
      { path: 'annotations.note', desired: null, live: 'by hand' },
    ]);
  });

  it('repairs managed fields by applying the object once and never removes foreign labels', () => {
    const drift = computeManagedDrift(
      desired,
      parse(
        inSync
          .replace('deletionPolicy: Delete', 'deletionPolicy: WipeOut')
          .replace('team: shop', 'team: shop\n    cost-centre: "42"'),
      ),
    );
    const plan = planDriftRepair(desired, drift);
    expect(plan.steps).toEqual([
      { type: 'update-settings', params: {}, paths: ['deletionPolicy'] },
    ]);
    expect(plan.unrepairable.map((u) => u.entry.path)).toEqual(['labels.cost-centre']);
  });
});
