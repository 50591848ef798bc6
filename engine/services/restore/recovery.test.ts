import { describe, expect, it } from 'vitest';
import { type EngineError } from '../../base/errors';
import { archivedPoints, PITR_FIELD_MANAGER } from '../../kubedb/archiver';
import { buildOperationRestoreSession, type RestorePoint } from '../../kubedb/restore';
import type { KubeObject } from '../../kubedb/types';
import { pitrManifests } from './pitr';
import {
  archivedPointFor,
  assertInWindow,
  assertPitrSupported,
  pointAtOrBefore,
  windowOf,
} from './recovery';

const db = {
  id: 'db-1',
  name: 'orders',
  engine: 'postgres' as const,
  namespace: 'acme-shop',
  domain: 'acme',
  project: 'shop',
};
const point = (name: string, time: string): RestorePoint => ({
  name,
  namespace: 'acme-shop',
  time,
  phase: 'Succeeded',
  simulated: false,
});
const points = [point('a', '2026-01-01T01:00:00Z'), point('b', '2026-01-01T03:00:00Z')];

/** A full-backup Snapshot of `<db>-full` as the archiver records it. */
const fullSnapshot = (
  name: string,
  logStats: { start: string; end: string } | undefined,
  phase = 'Succeeded',
  repo = 'orders-full',
): KubeObject => ({
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'Snapshot',
  metadata: { name, namespace: 'acme-shop', labels: { 'kubestash.com/repo-name': repo } },
  status: {
    phase,
    components: { wal: { driver: 'Restic', phase, ...(logStats ? { logStats } : {}) } },
  },
});

const policy = { schedule: '0 2 * * *', retentionDays: 7, pitr: true };

describe('PITR and the recoverable window', () => {
  it('sets up a PostgresArchiver and the database reference for PostgreSQL, nothing without pitr', () => {
    const [archiver, ref] = pitrManifests(db, policy, 'ceph');
    expect(archiver).toMatchObject({
      apiVersion: 'archiver.kubedb.com/v1alpha1',
      kind: 'PostgresArchiver',
      metadata: { name: 'orders-archiver', namespace: 'acme-shop' },
      spec: {
        backupStorage: { ref: { name: 'dbaas-ceph' } },
        retentionPolicy: { name: 'dbaas-keep-7d' },
        logBackup: { retentionPeriod: '7d' },
      },
    });
    expect(ref).toEqual({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'orders', namespace: 'acme-shop' },
      spec: { archiver: { ref: { name: 'orders-archiver', namespace: 'acme-shop' } } },
    });
    expect(PITR_FIELD_MANAGER).not.toBe('kubedb-dbaas');
    const [counted] = pitrManifests(db, { ...policy, retention: { keepLast: 3 } }, 'ceph');
    expect(counted?.spec).toMatchObject({ retentionPolicy: { name: 'dbaas-keep-l3' } });
    expect(pitrManifests(db, { ...policy, pitr: false }, 'ceph')).toEqual([]);
    expect(() => pitrManifests({ ...db, engine: 'mysql' }, policy, 'ceph')).toThrow(
      /not available for mysql/,
    );
  });

  it('refuses PITR on engines without an archiver with a 422 naming the engine', () => {
    for (const engine of ['mariadb', 'mysql', 'mongodb'] as const)
      expect(() => assertPitrSupported(engine)).toThrow(`not available for ${engine}`);
    try {
      assertPitrSupported('redis', 'backup.pitr');
      expect.unreachable();
    } catch (error) {
      expect((error as EngineError).status).toBe(422);
      expect((error as EngineError).details[0]!.path).toBe('backup.pitr');
    }
  });

  it('reads the window from the logStats of the succeeded <db>-full Snapshots', () => {
    const archived = archivedPoints(db, [
      fullSnapshot('orders-full-2', { start: '2026-01-01T02:00:00Z', end: '2026-01-01T04:00:00Z' }),
      fullSnapshot('orders-full-1', { start: '2026-01-01T00:30:00Z', end: '2026-01-01T04:00:00Z' }),
      fullSnapshot('orders-full-0', { start: '2025-12-01T00:00:00Z', end: '2026-01-01T05:00:00Z' }, 'Failed'), // prettier-ignore
      fullSnapshot('orders-full-9', undefined),
      fullSnapshot('other-full-1', { start: '2025-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' }, 'Succeeded', 'other-full'), // prettier-ignore
    ]);
    expect(archived.map((p) => p.name)).toEqual(['orders-full-1', 'orders-full-2']);
    expect(windowOf(points, archived)).toEqual({
      from: '2026-01-01T00:30:00Z',
      to: '2026-01-01T04:00:00Z',
      source: 'archiver',
    });
    // The base of a target: the newest full backup whose span starts by then.
    expect(archivedPointFor(archived, '2026-01-01T01:00:00Z')?.name).toBe('orders-full-1');
    expect(archivedPointFor(archived, '2026-01-01T03:00:00Z')?.name).toBe('orders-full-2');
  });

  it('falls back to the snapshots span without an archive, and names the window in the 422', () => {
    expect(windowOf(points, [])).toEqual({
      from: '2026-01-01T01:00:00Z',
      to: '2026-01-01T03:00:00Z',
      source: 'snapshots',
    });
    const window = windowOf(points, []);
    expect(() => assertInWindow(db, '2026-01-01T02:00:00Z', window)).not.toThrow();
    expect(() => assertInWindow(db, '2026-01-01T05:00:00Z', window)).toThrow(
      /outside the recoverable window of orders: 2026-01-01T01:00:00Z .. 2026-01-01T03:00:00Z/,
    );
    expect(() => assertInWindow(db, '2026-01-01T02:00:00Z', null)).toThrow(/no recoverable/);
    expect(pointAtOrBefore(points, '2026-01-01T02:59:00Z')?.name).toBe('a');
    expect(pointAtOrBefore(points, '2026-01-01T03:00:00Z')?.name).toBe('b');
  });

  it('builds a PITR RestoreSession on the full repository with dataSource.pitr.targetTime', () => {
    const session = buildOperationRestoreSession(db, db, {
      operationId: 'op-1',
      snapshot: 'orders-full-1',
      targetTime: '2026-01-01T01:00:00Z',
      repository: 'orders-full',
    });
    expect(session.spec).toMatchObject({
      dataSource: {
        repository: 'orders-full',
        snapshot: 'orders-full-1',
        pitr: { targetTime: '2026-01-01T01:00:00Z' },
      },
    });
    const plain = buildOperationRestoreSession(db, db, { operationId: 'op-1', snapshot: 's' });
    expect(plain.spec).toMatchObject({ dataSource: { repository: 'orders-repo', snapshot: 's' } });
    expect((plain.spec as { dataSource: object }).dataSource).not.toHaveProperty('pitr');
  });
});
