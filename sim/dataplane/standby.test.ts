/**
 * A real PostgreSQL streaming standby in the supervisor: `pg_basebackup` of a running primary, a
 * hot standby on its own port and data directory that is ready once it streams, serves the rows
 * written on the primary, refuses writes, and shows up with its lag in the primary's exporter
 * (pg_stat_replication).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceInfo, InstanceSpec } from '../core/data-plane';
import { waitFor } from '../operator/test-support';
import { InstanceExporter, parsePrometheusText } from './exporter';
import { createDataPlane } from './index';
import type { Supervisor } from './supervisor';
import { query } from './test-support';

let workDir: string;
let dataPlane: Supervisor;
let primary: InstanceInfo;
let standby: InstanceInfo;

const CREDS = { user: 'postgres', password: `pw:'\\ ${Math.random().toString(36).slice(2)}` };

function spec(pod: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    namespace: 'repl',
    kind: 'Postgres',
    database: 'pg',
    pod,
    engine: 'postgres',
    version: '15.5',
    ...CREDS,
    memoryLimitBytes: 128 * 1024 * 1024,
    ...extra,
  };
}

const at = (info: InstanceInfo): string => `127.0.0.1:${info.port}`;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dp-standby-'));
  dataPlane = createDataPlane({ workDir, restartBackoffMs: 200 });
  primary = await dataPlane.ensure(spec('pg-0', { initScripts: ['CREATE TABLE seeded (n int);'] }));
  standby = await dataPlane.ensure(spec('pg-1', { standbyOf: 'pg-0' }));
}, 120_000);

afterAll(async () => {
  await dataPlane?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('PostgreSQL streaming standby', () => {
  it('runs on its own port and data directory, in recovery, streaming from the primary', async () => {
    expect(standby.state).toBe('running');
    expect(standby.standbyOf).toBe('pg-0');
    expect(standby.port).not.toBe(primary.port);
    expect(standby.dataDir).not.toBe(primary.dataDir);
    expect(standby.machineVersion).toBe(primary.machineVersion);
    expect(await query('postgres', at(standby), CREDS, 'SELECT pg_is_in_recovery()')).toBe('t');
    expect(await query('postgres', at(primary), CREDS, 'SELECT pg_is_in_recovery()')).toBe('f');
    const senders = await query(
      'postgres',
      at(primary),
      CREDS,
      'SELECT application_name, state FROM pg_stat_replication',
    );
    expect(senders).toBe('pg-1|streaming');
    // The primary's init script reached the standby with the base backup, not by running twice.
    expect(await query('postgres', at(standby), CREDS, 'SELECT count(*) FROM seeded')).toBe('0');
    // The primary stays the database's instance for backups and the exporter.
    expect(dataPlane.instanceOfDatabase('repl', 'Postgres', 'pg')?.pod).toBe('pg-0');
  });

  it('serves a row written on the primary within a deadline', async () => {
    const mark = Math.random().toString(36).slice(2);
    await query('postgres', at(primary), CREDS, `CREATE TABLE marks AS SELECT '${mark}' AS m`);
    const seen = await waitFor(
      () => query('postgres', at(standby), CREDS, 'SELECT m FROM marks'),
      'the row on the standby',
      15_000,
      50,
    );
    expect(seen).toBe(mark);
  });

  it('refuses writes', async () => {
    await expect(
      query('postgres', at(standby), CREDS, 'CREATE TABLE nope (n int)'),
    ).rejects.toThrow(/read-only transaction/);
    await expect(
      query('postgres', at(standby), CREDS, 'INSERT INTO seeded VALUES (1)'),
    ).rejects.toThrow(/read-only transaction/);
  });

  it('shows the standby and its lag in the primary exporter', async () => {
    await query(
      'postgres',
      at(primary),
      CREDS,
      'INSERT INTO seeded SELECT generate_series(1, 500)',
    );
    const exporter = new InstanceExporter({ minIntervalMs: 0 });
    const { samples } = parsePrometheusText(await exporter.scrape(primary));
    const lag = samples.filter((s) => s.labels.application_name === 'pg-1');
    expect(lag.map((s) => s.name).sort()).toEqual([
      'pg_stat_replication_pg_wal_lsn_diff',
      'pg_stat_replication_replay_lag_seconds',
    ]);
    for (const s of lag) expect(s.value).toBeGreaterThanOrEqual(0);
    const standbySide = parsePrometheusText(await exporter.scrape(standby)).samples;
    expect(standbySide.find((s) => s.name === 'pg_replication_is_replica')?.value).toBe(1);
  });

  it('refuses a standby of something that does not run, or of another engine', async () => {
    await expect(
      dataPlane.ensure({ ...spec('rd-1'), engine: 'redis', standbyOf: 'rd-0' }),
    ).rejects.toThrow(/standbyOf: only PostgreSQL/);
    await expect(dataPlane.ensure(spec('pg-0', { standbyOf: 'pg-0' }))).rejects.toThrow(
      /standbyOf: pg-0 cannot be a standby of itself/,
    );
  });
});
