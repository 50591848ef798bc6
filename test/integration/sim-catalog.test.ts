/**
 * The catalog the simulated cluster ships: versions listed over HTTP, deprecated entries flagged
 * and refused for new databases, update constraints enforced by the ops webhook.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { CATALOG_ENTRIES } from '../../sim/operator/catalog';
import { crdsDirForTests, phaseOf, waitFor } from '../../sim/operator/test-support';

let cluster: SimCluster;
let custom: CustomObjectsApi;

beforeAll(async () => {
  cluster = await startSimCluster({ name: 'sim-catalog', speed: 200, crdsDir: crdsDirForTests() });
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  custom = kc.makeApiClient(CustomObjectsApi);
});

afterAll(async () => {
  await cluster?.stop();
});

const PLURALS: Record<string, string> = {
  Postgres: 'postgresversions',
  MySQL: 'mysqlversions',
  MongoDB: 'mongodbversions',
  MariaDB: 'mariadbversions',
  Redis: 'redisversions',
  Elasticsearch: 'elasticsearchversions',
};

async function listVersions(plural: string): Promise<KubeObject[]> {
  const list = (await custom.listClusterCustomObject({
    group: 'catalog.kubedb.com',
    version: 'v1alpha1',
    plural,
  })) as { items: KubeObject[] };
  return list.items;
}

describe('catalog', () => {
  it('lists several versions per engine with at least one deprecated', async () => {
    for (const [kind, plural] of Object.entries(PLURALS)) {
      const items = await listVersions(plural);
      expect(items.length, kind).toBeGreaterThanOrEqual(4);
      expect(
        items.some((v) => (v.spec as { deprecated?: boolean }).deprecated === true),
        kind,
      ).toBe(true);
      for (const v of items) expect((v.spec as { db: { image: string } }).db.image).toMatch(/:/);
    }
    const pg = (await listVersions('postgresversions')).map((v) => v.metadata.name);
    expect(pg).toEqual(expect.arrayContaining(['13.13', '14.10', '15.5', '16.1', '16.4']));
    const es = (await listVersions('elasticsearchversions')).map((v) => v.metadata.name);
    expect(es).toEqual(expect.arrayContaining(['xpack-8.11.1', 'xpack-8.13.4']));
  });

  it('keeps MySQL update constraints keyed by topology', async () => {
    const mysql = (await listVersions('mysqlversions')).find((v) => v.metadata.name === '8.0.36');
    expect((mysql?.spec as { updateConstraints: unknown }).updateConstraints).toMatchObject({
      allowlist: { groupReplication: ['>= 8.0.36, <= 8.4.8'] },
    });
  });

  it('has a catalog entry for every version named in the reference manifests', () => {
    const names = Object.values(CATALOG_ENTRIES)
      .flat()
      .map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '17.9',
        '18.3',
        '8.4.8',
        '9.1.0',
        '8.0.31-innodb',
        '8.0.17',
        '11.8.5',
        '7.4.6',
        '8.0.4',
        'xpack-8.19.9',
        'xpack-9.2.3',
        'opensearch-2.19.2',
      ]),
    );
  });

  it('enforces update constraints on UpdateVersion requests', async () => {
    cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cat' } });
    const create = (kind: string, name: string, spec: Record<string, unknown>) =>
      cluster.state.create({
        apiVersion: 'kubedb.com/v1',
        kind,
        metadata: { name, namespace: 'cat' },
        spec: { storage: { resources: { requests: { storage: '1Gi' } } }, ...spec },
      });
    create('MySQL', 'my', {
      version: '8.0.36',
      replicas: 3,
      topology: { mode: 'GroupReplication' },
    });
    create('MongoDB', 'mg', { version: '6.0.12', replicas: 3, replicaSet: { name: 'rs0' } });
    await waitFor(
      () => phaseOf(cluster.state.get('kubedb.com/v1', 'MongoDB', 'cat', 'mg')) === 'Ready',
      'MongoDB Ready',
    );
    const ops = (kind: string, db: string, target: string) => () =>
      cluster.state.create({
        apiVersion: 'ops.kubedb.com/v1alpha1',
        kind,
        metadata: { name: `${db}-to-${target.replace(/\./g, '-')}`, namespace: 'cat' },
        spec: {
          type: 'UpdateVersion',
          databaseRef: { name: db },
          updateVersion: { targetVersion: target },
        },
      });
    expect(ops('MySQLOpsRequest', 'my', '9.1.0')).toThrow(/not supported/);
    expect(ops('MySQLOpsRequest', 'my', '8.0.35')).toThrow(/not supported/);
    expect(ops('MySQLOpsRequest', 'my', '8.4.2')).not.toThrow();
    expect(ops('MongoDBOpsRequest', 'mg', '8.0.17')).toThrow(/not supported/);
    expect(ops('MongoDBOpsRequest', 'mg', '7.0.8')).not.toThrow();
    expect(ops('MongoDBOpsRequest', 'mg', '5.0.0')).toThrow(/not found/);
  });
});
