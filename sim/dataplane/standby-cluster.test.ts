/**
 * Real PostgreSQL standbys in a `dataPlane: 'real'` cluster: the pods `<name>-1…` of a
 * multi-replica Postgres stream from `<name>-0`, are Ready once they stream, serve its rows
 * read-only, and the database's stats service shows each standby's lag from pg_stat_replication.
 * A Postgres can keep simulated replicas, and SIGKILL of the simulator leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/contract';
import { startSimCluster, type SimCluster } from '../index';
import { phaseOf, waitFor } from '../operator/test-support';
import { parsePrometheusText } from './exporter';
import {
  alive,
  credentials,
  databaseManifest,
  DB_API,
  pidsUnder,
  portOpen,
  query,
} from './test-support';

const NS = 'standbys';
let cluster: SimCluster;
let workDir: string;
let child: ChildProcess | undefined;

const pod = (name: string): KubeObject | undefined => cluster.state.get('v1', 'Pod', NS, name);
const note = (name: string, key: string): string | undefined =>
  pod(name)?.metadata.annotations?.[`sim.kubedb.dev/${key}`];
const ready = (name: string): boolean =>
  (
    (pod(name)?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions ?? []
  ).some((c) => c.type === 'Ready' && c.status === 'True');

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'dp-standby-cluster-'));
  cluster = await startSimCluster({ speed: 20, dataPlane: 'real', dataPlaneDir: workDir });
  cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const pg = databaseManifest('Postgres', NS, 'pg', { replicas: 3 });
  (pg.spec as Record<string, unknown>).monitor = { agent: 'prometheus.io/builtin' };
  cluster.state.create(pg);
  const kept = databaseManifest('Postgres', NS, 'kept', { replicas: 2 });
  kept.metadata.annotations = { 'sim.kubedb.dev/standbys': 'simulated' };
  cluster.state.create(kept);
  await waitFor(
    () =>
      ['pg-0', 'pg-1', 'pg-2', 'kept-0', 'kept-1'].every(ready) &&
      phaseOf(cluster.state.get(DB_API, 'Postgres', NS, 'pg')) === 'Ready',
    'every pod Ready and the Postgres Ready',
    120_000,
    50,
  );
}, 150_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('real PostgreSQL standbys in a cluster', () => {
  it('gives pods -1 and -2 real standbys of -0, Ready when they stream', async () => {
    expect(phaseOf(cluster.state.get(DB_API, 'Postgres', NS, 'pg'))).toBe('Ready');
    for (const name of ['pg-1', 'pg-2']) {
      expect(note(name, 'data-plane')).toBe('real');
      expect(note(name, 'standby-of')).toBe('pg-0');
      expect(note(name, 'machine-version')).toBe(note('pg-0', 'machine-version'));
      expect(cluster.dataPlane?.instance(NS, name)).toMatchObject({
        state: 'running',
        standbyOf: 'pg-0',
      });
      expect(pod(name)?.metadata.labels?.['kubedb.com/role']).toBe('standby');
    }
    expect(note('pg-0', 'standby-of')).toBeUndefined();
    expect(pod('pg-0')?.metadata.labels?.['kubedb.com/role']).toBe('primary');
    const creds = credentials(cluster.state, NS, 'pg');
    const senders = await query(
      'postgres',
      note('pg-0', 'direct-address') ?? '',
      creds,
      "SELECT application_name || ':' || state FROM pg_stat_replication ORDER BY 1",
    );
    expect(senders.split('\n')).toEqual(['pg-1:streaming', 'pg-2:streaming']);
  });

  it('serves the primary rows on each standby, read-only', async () => {
    const creds = credentials(cluster.state, NS, 'pg');
    await query(
      'postgres',
      note('pg-0', 'direct-address') ?? '',
      creds,
      'CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 1000) g',
    );
    for (const name of ['pg-1', 'pg-2']) {
      const at = note(name, 'direct-address') ?? '';
      const sum = await waitFor(
        () => query('postgres', at, creds, 'SELECT sum(n) FROM t'),
        `the rows on ${name}`,
        20_000,
        50,
      );
      expect(sum).toBe('500500');
      await expect(query('postgres', at, creds, 'DELETE FROM t')).rejects.toThrow(
        /read-only transaction/,
      );
    }
  });

  it('shows the lag of each standby from pg_stat_replication in the stats service', async () => {
    const path = `/api/v1/namespaces/${NS}/services/pg-stats:metrics/proxy/metrics`;
    const res = await fetch(`${cluster.url}${path}`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const samples = parsePrometheusText(text).samples;
    for (const name of ['pg-1', 'pg-2']) {
      const of = samples.filter((s) => s.labels.application_name === name);
      expect(of.map((s) => s.name).sort(), text).toEqual([
        'pg_stat_replication_pg_wal_lsn_diff',
        'pg_stat_replication_replay_lag_seconds',
      ]);
      for (const s of of) expect(Number.isFinite(s.value) && s.value >= 0).toBe(true);
    }
    expect(samples.find((s) => s.name === 'pg_replication_is_replica')?.value).toBe(0);
  });

  it('halt stops the standbys with the primary; resume streams again on the kept data', async () => {
    const creds = credentials(cluster.state, NS, 'pg');
    const running = (): string[] =>
      (cluster.dataPlane?.list() ?? [])
        .filter((i) => i.database === 'pg' && i.state === 'running')
        .map((i) => i.pod)
        .sort();
    const halt = (halted: boolean): void => {
      cluster.state.patch(DB_API, 'Postgres', NS, 'pg', {
        spec: { halted, ...(halted ? { deletionPolicy: 'Halt' } : {}) },
      });
    };
    halt(true);
    await waitFor(() => running().length === 0, 'every pg process stopped', 60_000, 50);
    halt(false);
    await waitFor(
      () =>
        running().join() === 'pg-0,pg-1,pg-2' &&
        ['pg-0', 'pg-1', 'pg-2'].every(ready) &&
        note('pg-1', 'direct-address'),
      'pg back with its standbys',
      90_000,
      50,
    );
    const at = note('pg-1', 'direct-address') ?? '';
    // The rows written before the halt are still there, and new ones stream again.
    expect(await query('postgres', at, creds, 'SELECT sum(n) FROM t')).toBe('500500');
    await query(
      'postgres',
      note('pg-0', 'direct-address') ?? '',
      creds,
      'INSERT INTO t VALUES (1)',
    );
    const sum = await waitFor(
      async () => {
        const out = await query('postgres', at, creds, 'SELECT sum(n) FROM t');
        return out === '500501' ? out : undefined;
      },
      'the new row on pg-1',
      20_000,
      50,
    );
    expect(sum).toBe('500501');
  }, 180_000);

  it('keeps the replicas of a Postgres that asks for it simulated', () => {
    expect(note('kept-0', 'data-plane')).toBe('real');
    expect(note('kept-1', 'data-plane')).toBe('simulated');
    expect(cluster.dataPlane?.instance(NS, 'kept-1')).toBeUndefined();
  });

  it('leaves no primary or standby process and frees their ports on SIGKILL of the simulator', async () => {
    const dir = join(workDir, 'killed-sim');
    // node itself (with tsx's loader) is the simulator process, so SIGKILL hits it, not a wrapper.
    child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/standby-sim-child.ts'], {
      env: { ...process.env, SB_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
    const line = await waitFor(
      () => output.split('\n').find((l) => l.startsWith('[')),
      'the child simulator with a streaming standby',
      150_000,
      50,
    );
    const instances = JSON.parse(line) as { pid: number; port: number }[];
    expect(instances).toHaveLength(2);
    for (const i of instances) expect(alive(i.pid) && (await portOpen(i.port))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.on('close', resolve));
    await waitFor(() => pidsUnder(dir).length === 0, 'database processes gone', 30_000, 50);
    for (const i of instances) {
      expect(alive(i.pid)).toBe(false);
      await waitFor(async () => !(await portOpen(i.port)), `port ${i.port} freed`, 30_000, 50);
    }
  }, 200_000);
});
