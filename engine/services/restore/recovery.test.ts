import { describe, expect, it } from 'vitest';
import { type EngineError } from '../../base/errors';
import { readArchiverWindow } from '../../kubedb/archiver';
import type { RestorePoint } from '../../kubedb/restore';
import {
  assertInWindow,
  assertPitrSupported,
  pitrManifests,
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

describe('PITR and the recoverable window', () => {
  it('sets up a PostgresArchiver for PostgreSQL and refuses other engines by name', () => {
    const [archiver] = pitrManifests(db, {
      schedule: '0 2 * * *',
      retentionDays: 7,
      storage: { name: 'ceph' },
    });
    expect(archiver).toMatchObject({
      apiVersion: 'archiver.kubedb.com/v1alpha1',
      kind: 'PostgresArchiver',
      metadata: { name: 'orders-archiver', namespace: 'acme-shop' },
      spec: {
        backupStorage: { ref: { name: 'dbaas-ceph' } },
        logBackup: { retentionPeriod: '168h' },
      },
    });
    expect(() => assertPitrSupported('mariadb')).toThrow(/not available for mariadb/);
    try {
      assertPitrSupported('redis');
    } catch (error) {
      expect((error as EngineError).status).toBe(422);
      expect((error as EngineError).details[0]!.path).toBe('pitr');
    }
  });

  it('takes the window from the archiver, else from the snapshots, and names it in the 422', () => {
    expect(windowOf(points, null)).toEqual({
      from: '2026-01-01T01:00:00Z',
      to: '2026-01-01T03:00:00Z',
      source: 'snapshots',
    });
    const archiver = {
      apiVersion: 'archiver.kubedb.com/v1alpha1',
      kind: 'PostgresArchiver',
      metadata: { name: 'x' },
      status: { recoverableWindow: { from: '2026-01-01T00:30:00Z', to: '2026-01-01T04:00:00Z' } },
    };
    expect(readArchiverWindow(archiver)).toEqual({
      from: '2026-01-01T00:30:00Z',
      to: '2026-01-01T04:00:00Z',
    });
    expect(windowOf(points, archiver)?.source).toBe('archiver');
    const window = windowOf(points, null);
    expect(() => assertInWindow(db, '2026-01-01T02:00:00Z', window)).not.toThrow();
    expect(() => assertInWindow(db, '2026-01-01T05:00:00Z', window)).toThrow(
      /outside the recoverable window of orders: 2026-01-01T01:00:00Z .. 2026-01-01T03:00:00Z/,
    );
    expect(() => assertInWindow(db, '2026-01-01T02:00:00Z', null)).toThrow(/no recoverable/);
    expect(pointAtOrBefore(points, '2026-01-01T02:59:00Z')?.name).toBe('a');
    expect(pointAtOrBefore(points, '2026-01-01T03:00:00Z')?.name).toBe('b');
  });
});
