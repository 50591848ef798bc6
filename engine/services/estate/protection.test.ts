import { describe, expect, it } from 'vitest';
import type { Database } from '../../domain';
import type { KubeObject } from '../../kubedb/types';
import { allowedAgeMs, scheduleIntervalMs, unprotectedDatabases } from './protection';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const HOUR = 3600_000;

function database(name: string): Database {
  return { id: `id-${name}`, name, namespace: 'acme-shop' } as Database;
}

function configuration(target: string, schedule: string): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: `${target}-backup`, namespace: 'acme-shop' },
    spec: { target: { name: target }, sessions: [{ name: 'full', scheduler: { schedule } }] },
  };
}

function snapshot(target: string, phase: string, at: number): KubeObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: `${target}-${at}`, namespace: 'acme-shop' },
    spec: { appRef: { name: target } },
    status: { phase, snapshotTime: new Date(at).toISOString() },
  };
}

describe('unprotected databases', () => {
  it('names each gap: no configuration, no succeeded snapshot, and one older than the schedule allows', () => {
    const daily = '0 2 * * *';
    const result = unprotectedDatabases(
      [configuration('fresh', daily), configuration('failing', daily), configuration('old', daily)],
      [
        snapshot('fresh', 'Succeeded', NOW - 5 * HOUR),
        snapshot('failing', 'Failed', NOW - 1 * HOUR),
        snapshot('old', 'Succeeded', NOW - 50 * HOUR),
        snapshot('old', 'Succeeded', NOW - 40 * HOUR),
        // A newer snapshot that failed does not make a database protected.
        snapshot('old', 'Failed', NOW - 2 * HOUR),
      ],
      [database('bare'), database('fresh'), database('failing'), database('old')],
      NOW,
    );
    expect(result).toEqual([
      {
        databaseId: 'id-bare',
        name: 'bare',
        state: 'unconfigured',
        reason: 'no backup configuration',
      },
      {
        databaseId: 'id-failing',
        name: 'failing',
        state: 'never-succeeded',
        reason: 'no succeeded backup yet',
      },
      {
        databaseId: 'id-old',
        name: 'old',
        state: 'overdue',
        reason: 'newest backup is 40 h old; schedule "0 2 * * *" allows 37 h',
        newestBackupAt: new Date(NOW - 40 * HOUR).toISOString(),
      },
    ]);
  });

  it('is overdue only past the allowed age, which follows the schedule', () => {
    expect(scheduleIntervalMs('*/15 * * * *')).toBe(HOUR);
    expect(scheduleIntervalMs('0 3 * * 0')).toBe(7 * 24 * HOUR);
    const hourly = '0 * * * *';
    const allowed = allowedAgeMs(hourly);
    expect(allowed).toBe(2.5 * HOUR);
    const at = (age: number) =>
      unprotectedDatabases(
        [configuration('db', hourly)],
        [snapshot('db', 'Succeeded', NOW - age)],
        [database('db')],
        NOW,
      );
    expect(at(allowed - 60_000)).toEqual([]);
    expect(at(allowed + 60_000).map((u) => u.state)).toEqual(['overdue']);
  });

  it('does not match a configuration or snapshot of another namespace', () => {
    const elsewhere = { ...configuration('db', '0 2 * * *') };
    elsewhere.metadata = { ...elsewhere.metadata, namespace: 'other-team' };
    const result = unprotectedDatabases([elsewhere], [], [database('db')], NOW);
    expect(result.map((u) => u.state)).toEqual(['unconfigured']);
  });
});
