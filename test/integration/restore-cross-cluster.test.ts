/**
 * Restore into a new database on another cluster, through the HTTP API, with two real-data-plane
 * simulated clusters and the run's Ceph S3: a PostgreSQL with rows on cluster A is backed up by its
 * policy; on cluster B (which never ran a backup) the engine places the source's backup storage
 * and encryption Secret, the simulated KubeStash syncs the Repository and Snapshot from the
 * bucket's metadata, and the RestoreSession on B fills the new database, which becomes RUNNING
 * with the same rows (checksum). A dry run previews the objects per cluster; cluster A gets no
 * RestoreSession and keeps its rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupStorageResponse } from '../../engine/api/contracts';
import type {
  BackupEstateResponse,
  RestoreStartedResponse,
} from '../../engine/api/contracts-backup';
import type { Database, Operation } from '../../engine/domain';
import type { KubeObject } from '../../sim/core/contract';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { SYNCED_ANNOTATION } from '../../sim/operator/kubestash-sync';
import { SIMULATED_ANNOTATION } from '../../sim/operator/kubestash-real';
import { CORE, STORAGE, sql } from '../helpers/backup-cluster';
import { createBody } from '../helpers/databases';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { createTestBucket, s3ForTests, type TestBucket } from '../helpers/s3';

const WRITE =
  'CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 2000) g;';
const CHECKSUM =
  "SELECT count(*) || ':' || md5(string_agg(id || '=' || v, ',' ORDER BY id)) FROM items";

let a: SimCluster;
let b: SimCluster;
let t: TestEngine;
let dir: string;
let bucket: TestBucket;
let providerB: string;
let source: Database;
let snapshot: string;
let before: string;

async function operationDone(id: string, ms = 120_000): Promise<Operation> {
  return waitFor(
    async () => {
      const op = (await t.request<Operation>('GET', `/api/v1/operations/${id}`)).body;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status) ? op : undefined;
    },
    `operation ${id} to finish`,
    ms,
  );
}

const startCluster = (name: string) =>
  startSimCluster({
    name,
    crdsDir: crdsDirForTests(),
    speed: 50,
    dataPlane: 'real',
    dataPlaneDir: join(dir, name),
  });

async function addProvider(cluster: SimCluster): Promise<string> {
  const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
    name: cluster.name,
    kubeconfig: cluster.kubeconfig,
  });
  expect(provider.status, provider.text).toBe(201);
  return provider.body.id;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'restore-xc-'));
  bucket = await createTestBucket('restore-xc');
  [a, b] = await Promise.all([startCluster('xc-a'), startCluster('xc-b')]);
  t = await startTestEngine();
  const providerA = await addProvider(a);
  providerB = await addProvider(b);
  const s3 = s3ForTests();
  const stored = await t.request<BackupStorageResponse>('POST', '/api/v1/backup-storages', {
    name: 'ceph',
    type: 's3',
    bucket: bucket.name,
    endpoint: s3.endpoint,
    region: s3.region,
    prefix: 'xc',
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  expect(stored.status, stored.text).toBe(201);
  const created = await t.request<{ database: Database; operation: Operation }>(
    'POST',
    '/api/v1/databases',
    createBody({ name: 'orders', engine: 'postgres', version: '15.5', providerId: providerA }),
  );
  expect(created.status, created.text).toBe(202);
  source = created.body.database;
  await waitFor(
    async () =>
      (await t.request<Database>('GET', `/api/v1/databases/${source.id}`)).body.status ===
      'RUNNING',
    'the source database RUNNING',
    90_000,
  );
  await sql(a, source.namespace, 'Postgres', source.name, WRITE);
  before = await sql(a, source.namespace, 'Postgres', source.name, CHECKSUM);
  const put = await t.request('PUT', `/api/v1/databases/${source.id}/backup-policy`, {
    storageId: stored.body.id,
    schedule: '0 3 1 1 *',
  });
  expect(put.status, put.text).toBe(200);
  const backup = await t.request<{ operation: Operation }>(
    'POST',
    `/api/v1/databases/${source.id}/backups`,
  );
  expect(backup.status, backup.text).toBe(202);
  const done = await operationDone(backup.body.operation.id);
  expect(done.status, JSON.stringify(done.error)).toBe('SUCCEEDED');
  snapshot = await waitFor(
    () =>
      a.state
        .list(STORAGE, 'Snapshot', { namespace: source.namespace })
        .find((s) => (s.status as { phase?: string } | undefined)?.phase === 'Succeeded')?.metadata
        .name,
    'a succeeded snapshot on cluster A',
    60_000,
  );
}, 240_000);

afterAll(async () => {
  await t?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
  await bucket?.cleanup().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('restore into a new database on another cluster (real PostgreSQL, Ceph S3)', () => {
  it('previews the objects per cluster in a dry run, secrets without their values', async () => {
    const preview = await t.request<{
      manifests: KubeObject[];
      clusters: { providerId: string; role: string; manifests: KubeObject[] }[];
    }>('POST', `/api/v1/databases/${source.id}/restore?dryRun=true`, {
      target: { newName: 'orders-b', providerId: providerB },
    });
    expect(preview.status, preview.text).toBe(200);
    const target = preview.body.clusters.find((c) => c.role === 'target')!;
    expect(target.providerId).toBe(providerB);
    expect(preview.body.clusters.find((c) => c.role === 'source')?.manifests).toEqual([]);
    expect(target.manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining(['BackupStorage', 'Secret', 'Postgres', 'RestoreSession']),
    );
    expect(target.manifests.filter((m) => m.kind === 'Namespace')).toHaveLength(1);
    expect(preview.text).not.toContain(s3ForTests().secretAccessKey);
    expect(b.state.list(STORAGE, 'BackupStorage')).toHaveLength(0);
  });

  it('syncs the repository to cluster B and restores the same rows there; A is untouched', async () => {
    const started = await t.request<RestoreStartedResponse>(
      'POST',
      `/api/v1/databases/${source.id}/restore`,
      { backupId: snapshot, target: { newName: 'orders-b', providerId: providerB } },
    );
    expect(started.status, started.text).toBe(202);
    const copy = started.body.database!;
    expect(copy.providerId).toBe(providerB);
    const op = await operationDone(started.body.operation.id, 180_000);
    expect(op.status, JSON.stringify(op.error)).toBe('SUCCEEDED');
    expect(JSON.stringify(op.steps)).toContain('wait for snapshot sync');

    // The sync created the Repository and the Snapshot on B, marked as synced, with the restic id.
    const synced = b.state.get(STORAGE, 'Snapshot', source.namespace, snapshot)!;
    const original = a.state.get(STORAGE, 'Snapshot', source.namespace, snapshot)!;
    expect(synced.metadata.annotations?.[SYNCED_ANNOTATION]).toBe(`${source.namespace}/dbaas-ceph`);
    expect(synced.metadata.annotations?.[SIMULATED_ANNOTATION]).toBeUndefined();
    expect((synced.spec as { snapshotID?: string }).snapshotID).toBe(
      (original.spec as { snapshotID?: string }).snapshotID,
    );
    expect(synced.status).toMatchObject({ phase: 'Succeeded', integrity: true });
    const repoName = (original.spec as { repository: string }).repository;
    const repo = b.state.get(STORAGE, 'Repository', source.namespace, repoName)!;
    expect(repo.metadata.annotations?.[SYNCED_ANNOTATION]).toBe(`${source.namespace}/dbaas-ceph`);
    const storageB = b.state.get(STORAGE, 'BackupStorage', source.namespace, 'dbaas-ceph')!;
    expect((storageB.status as { repositories?: unknown[] }).repositories).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: repoName, synced: true })]),
    );

    expect(await sql(b, copy.namespace, 'Postgres', copy.name, CHECKSUM)).toBe(before);
    await waitFor(
      async () =>
        (await t.request<Database>('GET', `/api/v1/databases/${copy.id}`)).body.status ===
        'RUNNING',
      'the new database on B RUNNING',
      60_000,
    );
    expect(b.state.list(CORE, 'RestoreSession')).toHaveLength(1);
    expect(a.state.list(CORE, 'RestoreSession')).toHaveLength(0);
    expect(await sql(a, source.namespace, 'Postgres', source.name, CHECKSUM)).toBe(before);

    // The estate ties the synced copies on B to the source database on A: they are no orphans
    // (cleaning them up would delete the source's backups).
    const estate = await t.request<BackupEstateResponse>('GET', '/api/v1/backup-estate');
    expect(estate.status).toBe(200);
    const onB = estate.body.items.filter(
      (i) =>
        i.providerId === providerB &&
        ((i.kind === 'Snapshot' && i.name === snapshot) ||
          (i.kind === 'Repository' && i.name === repoName)),
    );
    expect(onB.map((i) => [i.kind, i.databaseId, i.orphan])).toEqual(
      expect.arrayContaining([
        ['Repository', source.id, undefined],
        ['Snapshot', source.id, undefined],
      ]),
    );
  }, 240_000);

  it('refuses with 422 naming target.providerId when the source has no backup policy to place', async () => {
    const removed = await t.request('DELETE', `/api/v1/databases/${source.id}/backup-policy`);
    expect(removed.status, removed.text).toBeLessThan(300);
    const refused = await t.request('POST', `/api/v1/databases/${source.id}/restore`, {
      backupId: snapshot,
      target: { newName: 'orders-b2', providerId: providerB },
    });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.text).toContain('target.providerId');
    expect(refused.text).toContain('no backup policy');
    expect(b.state.get('kubedb.com/v1', 'Postgres', source.namespace, 'orders-b2')).toBeUndefined();
  });
});
