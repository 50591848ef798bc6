import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import { startSimCluster, type SimCluster } from '../index';
import { crdsDirForTests, phaseOf, waitFor } from './test-support';
import { getPath } from './util';

let cluster: SimCluster;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[], input?: string) =>
  runKubectl(kubeconfig, args, input === undefined ? {} : { input });
const apply = (manifest: string) => kubectl(['apply', '-f', '-'], manifest);
const meta = (name: string) => `metadata: { name: ${name}, namespace: demo }`;
const storage = 'storage: { resources: { requests: { storage: 1Gi } } }';

beforeAll(async () => {
  cluster = await startSimCluster({ crdsDir: crdsDirForTests(), speed: 400, seed: 5 });
  dir = mkdtempSync(join(tmpdir(), 'sim-webhooks-'));
  kubeconfig = writeKubeconfig(cluster.url, dir);
  await kubectl(['create', 'namespace', 'demo']);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the database webhooks enforce the real rules', () => {
  it.each([
    [
      'Halt with Ephemeral storage',
      `apiVersion: kubedb.com/v1\nkind: Postgres\n${meta('halt-eph')}\nspec: { version: "16.4", storageType: Ephemeral, deletionPolicy: Halt }\n`,
      /'spec.deletionPolicy: Halt' can not be used for 'Ephemeral' storage/,
    ],
    [
      'an Elasticsearch topology without a data node',
      `apiVersion: kubedb.com/v1\nkind: Elasticsearch\n${meta('es-nodata')}\nspec:\n  version: xpack-8.11.1\n  topology:\n    master: { replicas: 1, ${storage} }\n    ingest: { replicas: 1, ${storage} }\n`,
      /when data node is empty, you need to have both dataHot and dataContent nodes/,
    ],
    [
      'an Elasticsearch topology with dataHot but no dataContent',
      `apiVersion: kubedb.com/v1\nkind: Elasticsearch\n${meta('es-hotonly')}\nspec:\n  version: xpack-8.11.1\n  topology:\n    master: { replicas: 1, ${storage} }\n    ingest: { replicas: 1, ${storage} }\n    dataHot: { replicas: 1, ${storage} }\n`,
      /when data node is empty, you need to have both dataHot and dataContent nodes/,
    ],
    [
      'Postgres with TLS and sslMode disable',
      `apiVersion: kubedb.com/v1\nkind: Postgres\n${meta('pg-tls-off')}\nspec: { version: "16.4", sslMode: disable, tls: { issuerRef: { apiGroup: cert-manager.io, kind: Issuer, name: ca } }, ${storage} }\n`,
      /can't have disable set to postgres.spec.sslMode when postgres.spec.TLS is set/,
    ],
    [
      'a standalone MongoDB with an arbiter',
      `apiVersion: kubedb.com/v1\nkind: MongoDB\n${meta('mg-arb')}\nspec: { version: "7.0.8", arbiter: { podTemplate: {} }, ${storage} }\n`,
      /spec.arbiter ".*" is invalid for Standalone MongoDB/,
    ],
    [
      'Postgres sslMode require without TLS',
      `apiVersion: kubedb.com/v1\nkind: Postgres\n${meta('pg-ssl')}\nspec: { version: "16.4", sslMode: require, ${storage} }\n`,
      /can't have require set to postgres.Spec.SSLMode when postgres.Spec.TLS is null/,
    ],
    [
      'a MySQL group name that is not a UUID',
      `apiVersion: kubedb.com/v1\nkind: MySQL\n${meta('my-group')}\nspec: { version: "8.0.36", replicas: 3, topology: { mode: GroupReplication, group: { name: not-a-uuid } }, ${storage} }\n`,
      /invalid group name is set: invalid UUID length: 10/,
    ],
  ])('refuses %s', async (_what, manifest, message) => {
    const r = await apply(manifest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/admission webhook ".*validators.kubedb.com" denied the request/);
    expect(r.stderr).toMatch(message);
  });

  it('defaults leaderElection, sslMode, clientAuthMode, serviceAccountName and resources', async () => {
    const r = await apply(
      `apiVersion: kubedb.com/v1\nkind: Postgres\n${meta('pg-def')}\nspec: { version: "16.4", ${storage} }\n`,
    );
    expect(r.stderr).toBe('');
    const got = await kubectl(['get', 'pg', 'pg-def', '-n', 'demo', '-o', 'json']);
    const pg = JSON.parse(got.stdout) as Record<string, unknown>;
    expect(getPath(pg, ['spec', 'sslMode'])).toBe('disable');
    expect(getPath(pg, ['spec', 'clientAuthMode'])).toBe('md5');
    expect(getPath(pg, ['spec', 'leaderElection'])).toEqual({
      electionTick: 10,
      heartbeatTick: 1,
      maximumLagBeforeFailover: 67108864,
      period: '300ms',
      transferLeadershipInterval: '1s',
      transferLeadershipTimeout: '1m0s',
    });
    expect(getPath(pg, ['spec', 'arbiter'])).toBeUndefined();
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'serviceAccountName'])).toBe('pg-def');
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'containers'])).toContainEqual({
      name: 'postgres',
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    });
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'containers'])).toContainEqual({
      name: 'pg-coordinator',
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    });
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'initContainers'])).toContainEqual({
      name: 'postgres-init-container',
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    });
  });

  it.each([
    [
      'an Elasticsearch topology with dataHot and dataContent',
      `apiVersion: kubedb.com/v1\nkind: Elasticsearch\n${meta('es-tiers')}\nspec:\n  version: xpack-8.11.1\n  topology:\n    master: { ${storage} }\n    ingest: { ${storage} }\n    dataHot: { ${storage} }\n    dataContent: { ${storage} }\n`,
    ],
    [
      'an OpenSearch topology without a data node',
      `apiVersion: kubedb.com/v1\nkind: Elasticsearch\n${meta('os-nodata')}\nspec:\n  version: opensearch-2.19.2\n  topology:\n    master: { ${storage} }\n    ingest: { ${storage} }\n`,
    ],
    [
      'a MySQL InnoDBCluster without a group name',
      `apiVersion: kubedb.com/v1\nkind: MySQL\n${meta('my-innodb')}\nspec: { version: "8.0.31-innodb", replicas: 3, topology: { mode: InnoDBCluster, innoDBCluster: { router: { replicas: 1 } } }, ${storage} }\n`,
    ],
    [
      'a MySQL group whose name is a UUID',
      `apiVersion: kubedb.com/v1\nkind: MySQL\n${meta('my-uuid')}\nspec: { version: "8.0.36", replicas: 3, topology: { mode: GroupReplication, group: { name: 3d2f1c7e-5b4a-4c3d-9e8f-1a2b3c4d5e6f } }, ${storage} }\n`,
    ],
  ])('accepts %s', async (_what, manifest) => {
    const r = await apply(manifest);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('defaults per component: MongoDB clusterAuthMode and arbiter, Elasticsearch nodes, MySQL group name', async () => {
    const mg = await apply(
      `apiVersion: kubedb.com/v1\nkind: MongoDB\n${meta('mg-def')}\nspec: { version: "7.0.8", replicas: 2, replicaSet: { name: rs0 }, arbiter: {}, ${storage} }\n`,
    );
    expect(mg.stderr).toBe('');
    const got = cluster.state.get('kubedb.com/v1', 'MongoDB', 'demo', 'mg-def');
    expect(getPath(got, ['spec', 'sslMode'])).toBe('disabled');
    expect(getPath(got, ['spec', 'clusterAuthMode'])).toBe('keyFile');
    expect(getPath(got, ['spec', 'arbiter', 'podTemplate', 'spec', 'containers'])).toEqual([
      {
        name: 'mongodb',
        resources: { requests: { cpu: '200m', memory: '500Mi' }, limits: { memory: '500Mi' } },
      },
    ]);
    expect(getPath(got, ['spec', 'podTemplate', 'spec', 'containers'])).toContainEqual({
      name: 'replication-mode-detector',
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    });
    const es = cluster.state.get('kubedb.com/v1', 'Elasticsearch', 'demo', 'es-tiers');
    expect(getPath(es, ['spec', 'podTemplate', 'spec', 'serviceAccountName'])).toBe('es-tiers');
    expect(getPath(es, ['spec', 'topology', 'dataHot', 'replicas'])).toBe(1);
    expect(
      getPath(es, ['spec', 'topology', 'dataHot', 'podTemplate', 'spec', 'containers']),
    ).toContainEqual({
      name: 'elasticsearch',
      resources: { requests: { cpu: '500m', memory: '1536Mi' }, limits: { memory: '1536Mi' } },
    });
    const my = await apply(
      `apiVersion: kubedb.com/v1\nkind: MySQL\n${meta('my-noname')}\nspec: { version: "8.0.36", topology: { mode: GroupReplication }, ${storage} }\n`,
    );
    expect(my.stderr).toBe('');
    const name = getPath(cluster.state.get('kubedb.com/v1', 'MySQL', 'demo', 'my-noname'), [
      'spec',
      'topology',
      'group',
      'name',
    ]);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('OpsRequests the real ops-manager treats differently', () => {
  it.each([
    [
      'without spec.timeout',
      'migration: { storageClassName: fast }',
      'spec.timeout is required for Storage Migration ops request,adjust timeout according to the size of your database',
    ],
    [
      'without spec.migration',
      'timeout: 10m',
      'spec.migration is required for StorageMigration type',
    ],
  ])('refuses a StorageMigration %s as Invalid on spec.migration', async (_what, extra, why) => {
    const r = await apply(
      `apiVersion: ops.kubedb.com/v1alpha1\nkind: PostgresOpsRequest\n${meta('migrate')}\nspec: { type: StorageMigration, databaseRef: { name: pg-def }, ${extra} }\n`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `denied the request: PostgresOpsRequest.Postgresopsrequests.kubedb.com "migrate" is invalid: spec.migration: Invalid value: "migrate": ${why}`,
    );
  });

  it('MariaDB MaxScale scaling changes the MaxScale replicas, not spec.replicas', async () => {
    const r = await apply(
      `apiVersion: kubedb.com/v1\nkind: MariaDB\n${meta('md-mx')}\nspec:\n  version: "11.2.2"\n  replicas: 3\n  topology:\n    mode: MariaDBReplication\n    maxscale: { replicas: 1, enableUI: true, ${storage} }\n  ${storage}\n`,
    );
    expect(r.stderr).toBe('');
    const get = () => cluster.state.get('kubedb.com/v1', 'MariaDB', 'demo', 'md-mx');
    await waitFor(() => phaseOf(get()) === 'Ready', 'md-mx Ready', 30_000);
    const ops = await apply(
      `apiVersion: ops.kubedb.com/v1alpha1\nkind: MariaDBOpsRequest\n${meta('mx-scale')}\nspec: { type: HorizontalScaling, databaseRef: { name: md-mx }, horizontalScaling: { member: 2, maxscale: true } }\n`,
    );
    expect(ops.stderr).toBe('');
    await waitFor(
      () =>
        phaseOf(
          cluster.state.get('ops.kubedb.com/v1alpha1', 'MariaDBOpsRequest', 'demo', 'mx-scale'),
        ) === 'Successful',
      'mx-scale Successful',
      30_000,
    );
    expect(getPath(get(), ['spec', 'replicas'])).toBe(3);
    expect(getPath(get(), ['spec', 'topology', 'maxscale', 'replicas'])).toBe(2);
  });

  it('ReplaceSentinel with removeUnusedSentinel deletes the sentinel no Redis uses any more', async () => {
    const sentinel = (name: string) =>
      `apiVersion: kubedb.com/v1\nkind: RedisSentinel\n${meta(name)}\nspec: { version: "7.2.4", replicas: 3, ${storage} }\n`;
    expect((await apply(sentinel('sen-old'))).stderr).toBe('');
    expect((await apply(sentinel('sen-new'))).stderr).toBe('');
    const r = await apply(
      `apiVersion: kubedb.com/v1\nkind: Redis\n${meta('rd-sen')}\nspec: { version: "7.2.4", mode: Sentinel, replicas: 3, sentinelRef: { name: sen-old, namespace: demo }, ${storage} }\n`,
    );
    expect(r.stderr).toBe('');
    await waitFor(
      () => phaseOf(cluster.state.get('kubedb.com/v1', 'Redis', 'demo', 'rd-sen')) === 'Ready',
      'rd-sen Ready',
      30_000,
    );
    const ops = await apply(
      `apiVersion: ops.kubedb.com/v1alpha1\nkind: RedisOpsRequest\n${meta('replace')}\nspec: { type: ReplaceSentinel, databaseRef: { name: rd-sen }, sentinel: { ref: { name: sen-new, namespace: demo }, removeUnusedSentinel: true } }\n`,
    );
    expect(ops.stderr).toBe('');
    await waitFor(
      () =>
        phaseOf(
          cluster.state.get('ops.kubedb.com/v1alpha1', 'RedisOpsRequest', 'demo', 'replace'),
        ) === 'Successful',
      'replace Successful',
      30_000,
    );
    expect(
      getPath(cluster.state.get('kubedb.com/v1', 'Redis', 'demo', 'rd-sen'), [
        'spec',
        'sentinelRef',
        'name',
      ]),
    ).toBe('sen-new');
    await waitFor(
      () => !cluster.state.get('kubedb.com/v1', 'RedisSentinel', 'demo', 'sen-old'),
      'sen-old deleted',
    );
    expect(cluster.state.get('kubedb.com/v1', 'RedisSentinel', 'demo', 'sen-new')).toBeDefined();
  });
});
