import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import { startSimCluster, type SimCluster } from '../index';
import { crdsDirForTests, phaseOf, waitFor } from './test-support';
import { getPath } from './util';

let cluster: SimCluster;
let dir: string;
let kubeconfig: string;
const NS = 'kids';
const storage = (size = '1Gi') => ({ resources: { requests: { storage: size } } });

beforeAll(async () => {
  cluster = await startSimCluster({ crdsDir: crdsDirForTests(), speed: 400, seed: 11 });
  dir = mkdtempSync(join(tmpdir(), 'sim-children-'));
  kubeconfig = writeKubeconfig(cluster.url, dir);
  cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ready(kind: string, name: string, spec: Record<string, unknown>, labels = {}) {
  cluster.state.create({
    apiVersion: 'kubedb.com/v1',
    kind,
    metadata: { name, namespace: NS, labels },
    spec,
  });
  await waitFor(
    () => phaseOf(cluster.state.get('kubedb.com/v1', kind, NS, name)) === 'Ready',
    `${kind} ${name} Ready`,
    30_000,
  );
  return cluster.state.get('kubedb.com/v1', kind, NS, name) as KubeObject;
}

const names = (apiVersion: string, kind: string, instance: string) =>
  cluster.state
    .list(apiVersion, kind, { namespace: NS, labels: { 'app.kubernetes.io/instance': instance } })
    .map((o) => o.metadata.name)
    .sort();
const secret = (name: string) => cluster.state.get('v1', 'Secret', NS, name);

describe('child objects the real operator creates', () => {
  it('MongoDB: datadir-… PVCs, the <db>-key secret, arbiter and hidden members', async () => {
    await ready('MongoDB', 'mg', {
      version: '7.0.8',
      replicaSet: { name: 'rs0' },
      replicas: 2,
      storage: storage('500Mi'),
      arbiter: { podTemplate: {} },
      hidden: { replicas: 2, storage: storage('2Gi') },
    });
    expect(names('apps.k8s.appscode.com/v1', 'PetSet', 'mg')).toEqual([
      'mg',
      'mg-arbiter',
      'mg-hidden',
    ]);
    expect(names('v1', 'PersistentVolumeClaim', 'mg')).toEqual([
      'datadir-mg-0',
      'datadir-mg-1',
      'datadir-mg-arbiter-0',
      'datadir-mg-hidden-0',
      'datadir-mg-hidden-1',
    ]);
    const hidden = cluster.state.get('v1', 'PersistentVolumeClaim', NS, 'datadir-mg-hidden-0');
    expect(getPath(hidden, ['spec', 'resources', 'requests', 'storage'])).toBe('2Gi');
    const arbiterPod = cluster.state.get('v1', 'Pod', NS, 'mg-arbiter-0');
    expect(arbiterPod?.metadata.labels?.['mongodb.kubedb.com/node.type']).toBe('arbiter');
    expect(cluster.state.get('v1', 'Pod', NS, 'mg-hidden-1')?.metadata.labels).toMatchObject({
      'mongodb.kubedb.com/node.type': 'hidden',
    });
    const key = secret('mg-key');
    expect(Buffer.from(String(getPath(key, ['data', 'key.txt'])), 'base64').length).toBeGreaterThan(
      500,
    );
    expect(names('v1', 'Service', 'mg')).toEqual(['mg', 'mg-pods']);
  });

  it('Postgres with an even replica count gets the arbiter PetSet, pod and 2Gi PVC', async () => {
    const pg = await ready('Postgres', 'pg2', { version: '16.4', replicas: 2, storage: storage() });
    expect(getPath(pg, ['spec', 'arbiter', 'resources', 'requests', 'storage'])).toBe('2Gi');
    expect(names('apps.k8s.appscode.com/v1', 'PetSet', 'pg2')).toEqual(['pg2', 'pg2-arbiter']);
    const pod = cluster.state.get('v1', 'Pod', NS, 'pg2-arbiter-0');
    expect((getPath(pod, ['spec', 'containers']) as unknown[]).length).toBe(1);
    const pvc = cluster.state.get('v1', 'PersistentVolumeClaim', NS, 'data-pg2-arbiter-0');
    expect(getPath(pvc, ['spec', 'resources', 'requests', 'storage'])).toBe('2Gi');
    await ready('Postgres', 'pg3', { version: '16.4', replicas: 3, storage: storage() });
    expect(names('apps.k8s.appscode.com/v1', 'PetSet', 'pg3')).toEqual(['pg3']);
  });

  it('TLS: the certificate secrets for spec.tls and for Elasticsearch enableSSL', async () => {
    const issuerRef = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
    await ready('Postgres', 'pgtls', {
      version: '16.4',
      storage: storage(),
      tls: { issuerRef, certificates: [{ alias: 'client', secretName: 'my-client' }] },
    });
    for (const name of ['pgtls-server-cert', 'my-client']) {
      expect(secret(name)?.type, name).toBe('kubernetes.io/tls');
      expect(Object.keys(secret(name)?.data ?? {}).sort()).toEqual([
        'ca.crt',
        'tls.crt',
        'tls.key',
      ]);
    }
    expect(secret('pgtls-client-cert')).toBeUndefined();
    await ready('Postgres', 'pgplain', { version: '16.4', storage: storage() });
    expect(secret('pgplain-server-cert')).toBeUndefined();
    await ready('Elasticsearch', 'es', {
      version: 'xpack-8.11.1',
      replicas: 1,
      enableSSL: true,
      storage: storage(),
    });
    for (const alias of ['ca', 'transport', 'http', 'client'])
      expect(secret(`es-${alias}-cert`)?.type, alias).toBe('kubernetes.io/tls');
  });

  it('MariaDB with MaxScale keeps data-<db>-mx-N PVCs', async () => {
    await ready('MariaDB', 'mdmx', {
      version: '11.2.2',
      replicas: 3,
      topology: { mode: 'MariaDBReplication', maxscale: { replicas: 2, storage: storage('50Mi') } },
      storage: storage(),
    });
    const pvcs = names('v1', 'PersistentVolumeClaim', 'mdmx');
    expect(pvcs).toEqual(expect.arrayContaining(['data-mdmx-mx-0', 'data-mdmx-mx-1']));
    const mx = cluster.state.get('v1', 'PersistentVolumeClaim', NS, 'data-mdmx-mx-1');
    expect(getPath(mx, ['spec', 'resources', 'requests', 'storage'])).toBe('50Mi');
  });

  it('serves the AppBinding and ServiceAccount of each database (kubectl get)', async () => {
    const sa = await runKubectl(kubeconfig, ['get', 'sa', 'pg3', '-n', NS, '-o', 'json']);
    expect(sa.stderr).toBe('');
    expect(JSON.parse(sa.stdout).metadata.ownerReferences[0].name).toBe('pg3');
    const ab = await runKubectl(kubeconfig, ['get', 'appbinding', 'pg3', '-n', NS, '-o', 'json']);
    expect(ab.stderr).toBe('');
    const binding = JSON.parse(ab.stdout) as KubeObject;
    expect(binding.spec).toMatchObject({
      type: 'kubedb.com/postgres',
      version: '16.4',
      secret: { name: 'pg3-auth' },
      appRef: { apiGroup: 'kubedb.com', kind: 'Postgres', name: 'pg3', namespace: NS },
      clientConfig: { service: { name: 'pg3', port: 5432, scheme: 'postgresql' } },
    });
    const table = await runKubectl(kubeconfig, ['get', 'appbindings', '-n', NS]);
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+VERSION\s+AGE/);
    expect(table.stdout).toMatch(/mg\s+kubedb.com\/mongodb\s+7.0.8/);
  });

  it("copies the database's labels to pods, services and PetSets, also when they change later", async () => {
    await ready('Redis', 'rd', { version: '7.2.4', storage: storage() }, { team: 'a' });
    const children = () => [
      ...cluster.state.list('v1', 'Pod', {
        namespace: NS,
        labels: { 'app.kubernetes.io/instance': 'rd' },
      }),
      ...cluster.state.list('v1', 'Service', {
        namespace: NS,
        labels: { 'app.kubernetes.io/instance': 'rd' },
      }),
      ...cluster.state.list('apps.k8s.appscode.com/v1', 'PetSet', {
        namespace: NS,
        labels: { 'app.kubernetes.io/instance': 'rd' },
      }),
    ];
    expect(children().length).toBe(4);
    for (const o of children()) expect(o.metadata.labels?.team, o.metadata.name).toBe('a');
    const r = await runKubectl(kubeconfig, [
      'label',
      'rd',
      'rd',
      '-n',
      NS,
      'team=b',
      'tier=gold',
      '--overwrite',
    ]);
    expect(r.stderr).toBe('');
    await waitFor(
      () =>
        children().every(
          (o) => o.metadata.labels?.team === 'b' && o.metadata.labels?.tier === 'gold',
        ),
      'labels copied to every child',
    );
    expect(children().length).toBe(4);
  });
});
