/**
 * A cluster with the real data plane, driven through its state: Postgres, MySQL, MariaDB and Redis
 * objects get real processes behind their primary pods (credentials from the auth secret, the init
 * script run once), halting stops the process and resuming finds the data, WipeOut removes the
 * data directory, Delete too, Halt keeps it for a re-created database, the pod's memory limit
 * sets the server's memory setting, a crashed real pod is restarted, and a MongoDB and an
 * Elasticsearch stay simulated and say so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/contract';
import { startSimCluster, type SimCluster } from '../index';
import { phaseOf, waitFor } from '../operator/test-support';
import { getPath } from '../operator/util';
import { alive, credentials, databaseManifest, DB_API, portOpen, query } from './test-support';

const NS = 'real';
const ENGINE = {
  Postgres: 'postgres',
  MySQL: 'mariadb',
  MariaDB: 'mariadb',
  Redis: 'redis',
} as const;
const INIT: Record<string, string> = {
  Postgres: 'CREATE TABLE seeded (n int); INSERT INTO seeded VALUES (1);',
  MySQL: 'CREATE DATABASE app; CREATE TABLE app.seeded (n int); INSERT INTO app.seeded VALUES (1);',
  MariaDB:
    'CREATE DATABASE app; CREATE TABLE app.seeded (n int); INSERT INTO app.seeded VALUES (1);',
};
/** The server setting the pod's memory limit (128Mi here) sets, and its value. */
const MEMORY_SETTING: Record<string, [string, string]> = {
  Postgres: ['SHOW shared_buffers', '32MB'],
  MySQL: ['SELECT @@innodb_buffer_pool_size', String(32 * 2 ** 20)],
  MariaDB: ['SELECT @@innodb_buffer_pool_size', String(32 * 2 ** 20)],
  Redis: ['CONFIG GET maxmemory', String(96 * 2 ** 20)],
};
const COUNT_SEEDED: Record<string, string> = {
  Postgres: 'SELECT count(*) FROM seeded',
  MySQL: 'SELECT count(*) FROM app.seeded',
  MariaDB: 'SELECT count(*) FROM app.seeded',
};

let cluster: SimCluster;
let workDir: string;

function pod(name: string): KubeObject | undefined {
  return cluster.state.get('v1', 'Pod', NS, `${name}-0`);
}

async function readyDatabase(kind: string, name: string): Promise<void> {
  await waitFor(
    () => phaseOf(cluster.state.get(DB_API, kind, NS, name)) === 'Ready',
    `${kind} ${name} Ready`,
    60_000,
    50,
  );
}

function address(name: string): string {
  const value = pod(name)?.metadata.annotations?.['sim.kubedb.dev/direct-address'];
  if (!value) throw new Error(`pod ${name}-0 has no direct address`);
  return value;
}

function setHalted(kind: string, name: string, halted: boolean): void {
  cluster.state.patch(DB_API, kind, NS, name, {
    spec: { halted, ...(halted ? { deletionPolicy: 'Halt' } : {}) },
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dp-cluster-'));
  cluster = await startSimCluster({ speed: 20, dataPlane: 'real', dataPlaneDir: workDir });
  cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const kind of Object.keys(ENGINE)) {
    const name = kind.toLowerCase();
    if (INIT[kind])
      cluster.state.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-init`, namespace: NS },
        data: { 'init.sql': INIT[kind] },
      });
    const manifest = databaseManifest(
      kind,
      NS,
      name,
      INIT[kind] ? { initConfigMap: `${name}-init` } : {},
    );
    const containers = getPath(manifest, ['spec', 'podTemplate', 'spec', 'containers']);
    (containers as { resources: { limits: { memory: string } } }[])[0]!.resources.limits.memory =
      '128Mi';
    cluster.state.create(manifest);
  }
  cluster.state.create(databaseManifest('MongoDB', NS, 'mongo'));
  cluster.state.create(databaseManifest('Elasticsearch', NS, 'es'));
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('real data plane in a cluster', () => {
  it.each(Object.keys(ENGINE))(
    '%s: Ready with a real process, auth secret credentials, init script ran',
    async (kind) => {
      const name = kind.toLowerCase();
      await readyDatabase(kind, name);
      const annotations = pod(name)?.metadata.annotations ?? {};
      expect(annotations['sim.kubedb.dev/data-plane']).toBe('real');
      expect(annotations['sim.kubedb.dev/machine-version']).toMatch(/^\d+\.\d+/);
      const engine = ENGINE[kind as keyof typeof ENGINE];
      const creds = credentials(cluster.state, NS, name);
      expect(creds.password.length).toBeGreaterThan(8);
      const addr = address(name);
      const [setting, value] = MEMORY_SETTING[kind]!;
      expect((await query(engine, addr, creds, setting)).split('\n').pop()).toBe(value);
      if (engine === 'redis') {
        expect(await query(engine, addr, creds, 'SET greeting hello')).toBe('OK');
        expect(await query(engine, addr, creds, 'GET greeting')).toBe('hello');
        await expect(
          query(engine, addr, { ...creds, password: 'wrong' }, 'GET greeting'),
        ).rejects.toThrow();
      } else {
        expect(await query(engine, addr, creds, COUNT_SEEDED[kind] as string)).toBe('1');
        await expect(
          query(engine, addr, { ...creds, password: 'wrong' }, 'SELECT 1'),
        ).rejects.toThrow();
      }
    },
    90_000,
  );

  it.each([
    ['MongoDB', 'mongo', 'mongod'],
    ['Elasticsearch', 'es', 'elasticsearch'],
  ])('a %s on the same cluster stays simulated and says so', async (kind, name, binary) => {
    await readyDatabase(kind, name);
    const simulated = pod(name);
    expect(simulated?.metadata.annotations?.['sim.kubedb.dev/data-plane']).toBe('simulated');
    expect(simulated?.metadata.annotations?.['sim.kubedb.dev/direct-address']).toBeUndefined();
    expect((simulated?.status as { message?: string }).message).toBe(
      `simulated: no ${binary} on this machine`,
    );
    expect(cluster.dataPlane?.instance(NS, `${name}-0`)).toBeUndefined();
  });

  it('halt stops the process (port closed), resume finds the data, the init script runs once', async () => {
    await readyDatabase('Postgres', 'postgres');
    const creds = credentials(cluster.state, NS, 'postgres');
    await query('postgres', address('postgres'), creds, 'INSERT INTO seeded VALUES (2)');
    const before = cluster.dataPlane?.instance(NS, 'postgres-0');
    expect(before?.pid).toBeGreaterThan(0);
    setHalted('Postgres', 'postgres', true);
    await waitFor(
      () => cluster.dataPlane?.instance(NS, 'postgres-0')?.state === 'stopped',
      'postgres stopped',
      30_000,
    );
    expect(alive(before?.pid ?? 0)).toBe(false);
    expect(await portOpen(before?.port ?? 0)).toBe(false);
    setHalted('Postgres', 'postgres', false);
    await readyDatabase('Postgres', 'postgres');
    await waitFor(
      () => pod('postgres')?.metadata.annotations?.['sim.kubedb.dev/direct-address'],
      'address',
    );
    expect(await query('postgres', address('postgres'), creds, 'SELECT sum(n) FROM seeded')).toBe(
      '3',
    );
  }, 90_000);

  it('a crashed real pod is restarted like a container', async () => {
    await readyDatabase('Redis', 'redis');
    const before = cluster.dataPlane?.instance(NS, 'redis-0');
    cluster.faults.crashPod(NS, 'redis-0');
    await waitFor(() => !alive(before?.pid ?? 0), 'old redis gone', 10_000);
    await waitFor(
      () => {
        const now = cluster.dataPlane?.instance(NS, 'redis-0');
        return now?.state === 'running' && now.pid !== before?.pid;
      },
      'redis restarted',
      30_000,
    );
    await waitFor(
      () => {
        const status = pod('redis')?.status as {
          containerStatuses?: { restartCount: number; ready: boolean }[];
        };
        return (
          status.containerStatuses?.[0]?.restartCount === 1 && status.containerStatuses[0].ready
        );
      },
      'pod restartCount 1 and ready',
      30_000,
    );
    const creds = credentials(cluster.state, NS, 'redis');
    expect(await query('redis', address('redis'), creds, 'GET greeting')).toBe('hello');
  }, 60_000);

  it('deleting with WipeOut removes the data directory', async () => {
    await readyDatabase('MariaDB', 'mariadb');
    const info = cluster.dataPlane?.instance(NS, 'mariadb-0');
    expect(info && existsSync(info.dataDir)).toBe(true);
    cluster.state.delete(DB_API, 'MariaDB', NS, 'mariadb');
    await waitFor(
      () => cluster.dataPlane?.instance(NS, 'mariadb-0') === undefined,
      'removed',
      30_000,
    );
    expect(existsSync(info?.dataDir ?? '/')).toBe(false);
    expect(alive(info?.pid ?? 0)).toBe(false);
    expect(await portOpen(info?.port ?? 0)).toBe(false);
  }, 60_000);
});

describe('deletion policies on the real data plane', () => {
  it('deleting with Delete removes the data directory (its PVC goes)', async () => {
    cluster.state.create(databaseManifest('Redis', NS, 'redis-del', { deletionPolicy: 'Delete' }));
    await readyDatabase('Redis', 'redis-del');
    const info = cluster.dataPlane?.instance(NS, 'redis-del-0');
    expect(info && existsSync(info.dataDir)).toBe(true);
    cluster.state.delete(DB_API, 'Redis', NS, 'redis-del');
    await waitFor(() => !cluster.dataPlane?.instance(NS, 'redis-del-0'), 'removed', 30_000);
    expect(existsSync(info?.dataDir ?? '/')).toBe(false);
    expect(alive(info?.pid ?? 0)).toBe(false);
    // Delete keeps the auth secret, as the real operator does.
    expect(cluster.state.get('v1', 'Secret', NS, 'redis-del-auth')).toBeDefined();
  }, 60_000);

  it('deleting with Halt keeps the data directory, and a re-created database finds its data', async () => {
    const manifest = (): KubeObject =>
      databaseManifest('Postgres', NS, 'pg-halt', { deletionPolicy: 'Halt' });
    cluster.state.create(manifest());
    await readyDatabase('Postgres', 'pg-halt');
    const creds = credentials(cluster.state, NS, 'pg-halt');
    await query('postgres', address('pg-halt'), creds, 'CREATE TABLE kept AS SELECT 42 AS n');
    const info = cluster.dataPlane?.instance(NS, 'pg-halt-0');
    cluster.state.delete(DB_API, 'Postgres', NS, 'pg-halt');
    await waitFor(() => !alive(info?.pid ?? 0), 'the halted postgres stopped', 30_000);
    await waitFor(() => !cluster.state.get(DB_API, 'Postgres', NS, 'pg-halt'), 'gone', 30_000);
    expect(existsSync(info?.dataDir ?? '/')).toBe(true);
    expect(cluster.state.get('v1', 'PersistentVolumeClaim', NS, 'data-pg-halt-0')).toBeDefined();
    cluster.state.create(manifest());
    await readyDatabase('Postgres', 'pg-halt');
    await waitFor(
      () => pod('pg-halt')?.metadata.annotations?.['sim.kubedb.dev/direct-address'],
      'address',
    );
    expect(await query('postgres', address('pg-halt'), creds, 'SELECT n FROM kept')).toBe('42');
    expect(cluster.dataPlane?.instance(NS, 'pg-halt-0')?.dataDir).toBe(info?.dataDir);
  }, 90_000);
});

describe('default data plane', () => {
  it('a cluster started without dataPlane runs no process and annotates nothing', async () => {
    const plain = await startSimCluster({ speed: 50, databases: 3 });
    try {
      expect(plain.dataPlane).toBeUndefined();
      await waitFor(
        () =>
          plain.state
            .list('v1', 'Pod', { namespace: 'demo' })
            .some((p) => (p.status as { phase?: string }).phase === 'Running'),
        'a sample pod running',
        20_000,
      );
      for (const p of plain.state.list('v1', 'Pod', { namespace: 'demo' }))
        expect(p.metadata.annotations?.['sim.kubedb.dev/data-plane']).toBeUndefined();
    } finally {
      await plain.stop();
    }
  }, 30_000);
});
