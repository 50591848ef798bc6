/**
 * The supervisor with the machine's real servers: each engine starts with the spec's credentials
 * and memory setting, reports its machine version and process metrics, survives a SIGKILL by
 * restarting, gives up (`failed`) after bounded restarts, and `close()` stops everything and frees
 * the ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceInfo, InstanceSpec, RealEngine } from '../core/data-plane';
import { waitFor } from '../operator/test-support';
import { createDataPlane } from './index';
import { redisStarter } from './redis';
import type { Supervisor } from './supervisor';
import { alive, portOpen, query } from './test-support';

let workDir: string;
let dataPlane: Supervisor;

const PASSWORD = `pw'"\\ ${Math.random().toString(36).slice(2)}`;

function spec(engine: RealEngine, pod: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    namespace: 'unit',
    kind: engine === 'postgres' ? 'Postgres' : engine === 'redis' ? 'Redis' : 'MariaDB',
    database: pod.replace(/-0$/, ''),
    pod,
    engine,
    version: 'any',
    user: engine === 'postgres' ? 'postgres' : engine === 'redis' ? 'default' : 'root',
    password: PASSWORD,
    memoryLimitBytes: 128 * 1024 * 1024,
    ...extra,
  };
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'dp-unit-'));
  dataPlane = createDataPlane({ workDir, restartBackoffMs: 50, maxRestarts: 2 });
});

afterAll(async () => {
  await dataPlane?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('supervisor', () => {
  it('finds the engines of this machine', () => {
    expect(dataPlane.available('postgres')).toBe(true);
    expect(dataPlane.available('mariadb')).toBe(true);
    expect(dataPlane.available('redis')).toBe(true);
  });

  it.each([
    ['postgres', 'SHOW shared_buffers', '32MB'],
    ['mariadb', 'SELECT @@innodb_buffer_pool_size', String(32 * 1024 * 1024)],
    ['redis', 'CONFIG GET maxmemory', String(96 * 1024 * 1024)],
  ] as const)(
    '%s runs with the password and a memory setting from the limit',
    async (engine, statement, expected) => {
      const info = await dataPlane.ensure(spec(engine, `${engine}-0`));
      expect(info.state).toBe('running');
      expect(info.machineVersion).toMatch(/^\d+\.\d+/);
      const out = await query(engine, `127.0.0.1:${info.port}`, info, statement);
      expect(out.split('\n').pop()).toBe(expected);
      await expect(
        query(engine, `127.0.0.1:${info.port}`, { user: info.user, password: 'nope' }, statement),
      ).rejects.toThrow();
      const metrics = await dataPlane.metrics('unit', `${engine}-0`);
      expect(metrics?.rssBytes).toBeGreaterThan(1024 * 1024);
      // ensure() of a running instance is a no-op.
      expect((await dataPlane.ensure(spec(engine, `${engine}-0`))).pid).toBe(info.pid);
    },
    60_000,
  );

  it('restarts a process killed with SIGKILL, keeping port and data', async () => {
    const before = dataPlane.instance('unit', 'redis-0') as InstanceInfo;
    await query('redis', `127.0.0.1:${before.port}`, before, 'SET k v');
    const changes: string[] = [];
    const off = dataPlane.onChange((info) => {
      if (info.pod === 'redis-0' && changes[changes.length - 1] !== info.state)
        changes.push(info.state);
    });
    dataPlane.crash('unit', 'redis-0');
    await waitFor(
      () => {
        const now = dataPlane.instance('unit', 'redis-0');
        return now?.state === 'running' && now.pid !== before.pid;
      },
      'redis restarted',
      20_000,
    );
    off();
    const after = dataPlane.instance('unit', 'redis-0') as InstanceInfo;
    expect(alive(before.pid ?? 0)).toBe(false);
    expect(after.restarts).toBe(1);
    expect(after.port).toBe(before.port);
    expect(changes).toEqual(['starting', 'running']);
    expect(await query('redis', `127.0.0.1:${after.port}`, after, 'GET k')).toBe('v');
  }, 30_000);

  it('gives up after bounded restarts of a server that keeps dying', async () => {
    const base = redisStarter();
    const broken = createDataPlane({
      workDir: join(workDir, 'broken'),
      restartBackoffMs: 20,
      maxRestarts: 2,
      starters: {
        redis: {
          ...base,
          command: () => ({ command: '/usr/bin/redis-server', args: ['--port', 'x'] }),
        },
      },
    });
    try {
      await broken.ensure(spec('redis', 'dies-0'));
      const failed = await waitFor(
        () => {
          const info = broken.instance('unit', 'dies-0');
          return info?.state === 'failed' ? info : undefined;
        },
        'failed state',
        20_000,
      );
      expect(failed.message).toMatch(/gave up after 2 restarts/);
      expect(failed.restarts).toBe(2);
    } finally {
      await broken.close();
    }
  }, 30_000);

  it('stop keeps the data, remove deletes it, close frees every port', async () => {
    const pg = dataPlane.instance('unit', 'postgres-0') as InstanceInfo;
    await query('postgres', `127.0.0.1:${pg.port}`, pg, 'CREATE TABLE kept (n int)');
    await dataPlane.stop('unit', 'postgres-0');
    expect(dataPlane.instance('unit', 'postgres-0')?.state).toBe('stopped');
    expect(alive(pg.pid ?? 0)).toBe(false);
    expect(await portOpen(pg.port)).toBe(false);
    const again = await dataPlane.ensure(spec('postgres', 'postgres-0'));
    expect(
      await query('postgres', `127.0.0.1:${again.port}`, again, 'SELECT count(*) FROM kept'),
    ).toBe('0');
    await dataPlane.remove('unit', 'mariadb-0');
    expect(dataPlane.instance('unit', 'mariadb-0')).toBeUndefined();
    const open = dataPlane.list();
    await dataPlane.close();
    for (const info of open) {
      expect(alive(info.pid ?? 0)).toBe(false);
      expect(await portOpen(info.port)).toBe(false);
    }
  }, 60_000);
});
