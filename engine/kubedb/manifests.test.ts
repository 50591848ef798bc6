import { describe, expect, it } from 'vitest';
import { ENGINE_MODES } from '../domain';
import { MATRIX, database, get, loadCrdValidator } from './conformance/crd-validator';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { buildDatabaseManifest, buildDesiredManifests } from './index';

const validate = loadCrdValidator(crdsDirForTests());

describe('the CRD validator', () => {
  const base = { apiVersion: 'kubedb.com/v1', kind: 'Postgres', metadata: { name: 'a' } };
  it('accepts a valid object and rejects a misspelt field or a wrong type', () => {
    expect(validate({ ...base, spec: { version: '17.9' } })).toBe('');
    expect(validate({ ...base, spec: { version: '17.9', replica: 3 } })).toMatch(
      /additional properties/,
    );
    expect(validate({ ...base, spec: { version: '17.9', replicas: 'x' } })).not.toBe('');
  });
  it('treats int-or-string fields as number or string', () => {
    const ops = {
      apiVersion: 'ops.kubedb.com/v1alpha1',
      kind: 'PostgresOpsRequest',
      metadata: { name: 'a' },
    };
    const spec = { type: 'VolumeExpansion', databaseRef: { name: 'a' } };
    expect(
      validate({
        ...ops,
        spec: { ...spec, volumeExpansion: { mode: 'Online', postgres: '20Gi' } },
      }),
    ).toBe('');
    expect(
      validate({ ...ops, spec: { ...spec, volumeExpansion: { mode: 'Online', postgres: true } } }),
    ).not.toBe('');
  });
});

describe('database manifests', () => {
  it.each(MATRIX)('%s %s validates against the CRD and carries our labels', (engine, mode) => {
    const spec = database(engine, mode);
    for (const object of buildDesiredManifests(spec)) {
      if (object.kind === 'Namespace') continue;
      expect(validate(object), `${object.kind}`).toBe('');
      expect(object.metadata.namespace).toBe('acme-shop');
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'kubedb-dbaas',
        'dbaas.kubedb.dev/database-id': 'db-0001',
        'dbaas.kubedb.dev/domain': 'acme',
        'dbaas.kubedb.dev/project': 'shop',
        team: 'orders',
      });
    }
    const manifest = buildDatabaseManifest(spec);
    expect(manifest.apiVersion).toBe('kubedb.com/v1');
    expect(get(manifest, 'spec.version')).toBe(spec.version);
    expect(get(manifest, 'spec.deletionPolicy')).toBe('WipeOut');
    expect(get(manifest, 'spec.storageType')).toBe('Durable');
  });

  it('builds the namespace <domain>-<project> first', () => {
    const [namespace] = buildDesiredManifests(database('postgres', 'standalone'));
    expect(namespace).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'acme-shop' },
    });
  });

  it('puts resources on the named main container and storage on the PVC spec', () => {
    const manifest = buildDatabaseManifest(database('postgres', 'standalone'));
    expect(get(manifest, 'spec.podTemplate.spec.containers')).toEqual([
      {
        name: 'postgres',
        resources: { requests: { cpu: '750m', memory: '2Gi' }, limits: { memory: '2Gi' } },
      },
    ]);
    expect(get(manifest, 'spec.storage')).toEqual({
      storageClassName: 'fast',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
    for (const engine of ['mysql', 'mariadb', 'redis', 'mongodb', 'elasticsearch'] as const) {
      const mode = ENGINE_MODES[engine][0];
      const containers = get(
        buildDatabaseManifest(database(engine, mode)),
        'spec.podTemplate.spec.containers',
      ) as { name: string }[];
      expect(containers[0]?.name).toBe(engine);
    }
  });

  it('sets the postgres cluster modes', () => {
    const manifest = buildDatabaseManifest(
      database('postgres', 'cluster', { topology: { streamingMode: 'Synchronous' } }),
    );
    expect(manifest.spec).toMatchObject({
      replicas: 3,
      standbyMode: 'Hot',
      streamingMode: 'Synchronous',
    });
    expect(
      get(buildDatabaseManifest(database('postgres', 'standalone')), 'spec.standbyMode'),
    ).toBeUndefined();
  });

  it('sets the mysql topology mode per mode', () => {
    expect(
      get(buildDatabaseManifest(database('mysql', 'group-replication')), 'spec.topology'),
    ).toEqual({
      mode: 'GroupReplication',
      group: { mode: 'Single-Primary' },
    });
    expect(
      get(buildDatabaseManifest(database('mysql', 'innodb-cluster')), 'spec.topology.mode'),
    ).toBe('InnoDBCluster');
    expect(
      get(buildDatabaseManifest(database('mysql', 'standalone')), 'spec.topology'),
    ).toBeUndefined();
  });

  it('builds a mongodb replica set and a sharded cluster without spec.replicas', () => {
    const replicaSet = buildDatabaseManifest(database('mongodb', 'replicaset'));
    expect(replicaSet.spec).toMatchObject({ replicas: 3, replicaSet: { name: 'rs0' } });
    const sharded = buildDatabaseManifest(
      database('mongodb', 'sharded', { replicas: 2, topology: { shards: 4 } }),
    );
    expect(get(sharded, 'spec.replicas')).toBeUndefined();
    expect(get(sharded, 'spec.storage')).toBeUndefined();
    expect(sharded.spec).toMatchObject({
      shardTopology: {
        shard: {
          shards: 4,
          replicas: 2,
          storage: { resources: { requests: { storage: '10Gi' } } },
        },
        configServer: { replicas: 3 },
        mongos: { replicas: 2 },
      },
    });
    expect(get(sharded, 'spec.shardTopology.mongos.podTemplate.spec.containers.0.name')).toBe(
      'mongodb',
    );
  });

  it('builds a mariadb galera cluster', () => {
    expect(buildDatabaseManifest(database('mariadb', 'galera')).spec).toMatchObject({
      replicas: 3,
      topology: { mode: 'GaleraCluster' },
    });
  });

  it('builds redis cluster with shards and pods per shard, and sentinel mode with its RedisSentinel', () => {
    const cluster = buildDatabaseManifest(
      database('redis', 'cluster', { replicas: 3, topology: { shards: 4 } }),
    );
    expect(cluster.spec).toMatchObject({ mode: 'Cluster', cluster: { shards: 4, replicas: 3 } });
    expect(get(cluster, 'spec.replicas')).toBeUndefined();
    const objects = buildDesiredManifests(database('redis', 'sentinel'));
    expect(objects.map((object) => object.kind)).toEqual(['Namespace', 'RedisSentinel', 'Redis']);
    expect(objects[2]?.spec).toMatchObject({
      mode: 'Sentinel',
      replicas: 3,
      sentinelRef: { name: 'redis-db-sentinel', namespace: 'acme-shop' },
    });
    expect(objects[1]).toMatchObject({
      metadata: { name: 'redis-db-sentinel' },
      spec: { version: '8.0.17', replicas: 3 },
    });
    expect(get(buildDatabaseManifest(database('redis', 'standalone')), 'spec.mode')).toBe(
      'Standalone',
    );
  });

  it('builds elasticsearch combined and a master/ingest/data topology', () => {
    expect(
      get(
        buildDatabaseManifest(database('elasticsearch', 'combined', { replicas: 3 })),
        'spec.replicas',
      ),
    ).toBe(3);
    const topology = buildDatabaseManifest(
      database('elasticsearch', 'topology', { replicas: 4, topology: { masters: 3 } }),
    );
    expect(get(topology, 'spec.replicas')).toBeUndefined();
    expect(topology.spec).toMatchObject({
      topology: { master: { replicas: 3 }, ingest: { replicas: 1 }, data: { replicas: 4 } },
    });
    expect(get(topology, 'spec.topology.data.podTemplate.spec.containers.0.name')).toBe(
      'elasticsearch',
    );
  });

  it('halts with deletionPolicy Halt, as the KubeDB webhook forces', () => {
    const manifest = buildDatabaseManifest({ ...database('mariadb', 'standalone'), halted: true });
    expect(manifest.spec).toMatchObject({ halted: true, deletionPolicy: 'Halt' });
    expect(validate(manifest)).toBe('');
  });

  it('waits for an initial restore when asked', () => {
    const manifest = buildDatabaseManifest({
      ...database('postgres', 'standalone'),
      waitForInitialRestore: true,
    });
    expect(get(manifest, 'spec.init')).toEqual({ waitForInitialRestore: true });
    expect(validate(manifest)).toBe('');
  });
});
