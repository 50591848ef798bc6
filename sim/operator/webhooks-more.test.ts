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
      /spec.topology must have a data node/,
    ],
    [
      'Postgres sslMode require without TLS',
      `apiVersion: kubedb.com/v1\nkind: Postgres\n${meta('pg-ssl')}\nspec: { version: "16.4", sslMode: require, ${storage} }\n`,
      /spec.sslMode "require" when spec.tls is not set/,
    ],
    [
      'a MySQL group name that is not a UUID',
      `apiVersion: kubedb.com/v1\nkind: MySQL\n${meta('my-group')}\nspec: { version: "8.0.36", replicas: 3, topology: { mode: GroupReplication, group: { name: not-a-uuid } }, ${storage} }\n`,
      /spec.topology.group.name "not-a-uuid" is not a valid UUID/,
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
    expect(getPath(pg, ['spec', 'leaderElection', 'electionTick'])).toBe(10);
    expect(getPath(pg, ['spec', 'leaderElection', 'heartbeatTick'])).toBe(1);
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'serviceAccountName'])).toBe('pg-def');
    expect(getPath(pg, ['spec', 'podTemplate', 'spec', 'containers'])).toContainEqual({
      name: 'postgres',
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    });
  });
});

describe('OpsRequests the real ops-manager treats differently', () => {
  it('refuses a StorageMigration without spec.timeout', async () => {
    const r = await apply(
      `apiVersion: ops.kubedb.com/v1alpha1\nkind: PostgresOpsRequest\n${meta('migrate')}\nspec: { type: StorageMigration, databaseRef: { name: pg-def }, migration: { storageClassName: fast } }\n`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec.timeout is required for StorageMigration/);
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
