/**
 * Test support for the metrics and exporter tests: private PostgreSQL 15, MariaDB and Redis servers
 * on 127.0.0.1 (free ports, data under a temp dir, PostgreSQL as the `postgres` user when run as
 * root), and `FixedDataPlane`, a `DataPlane` over servers a test started itself (the operator does
 * not start them). Every server is stopped by its pid in `stop()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  DataPlane,
  InstanceInfo,
  InstanceMetrics,
  InstanceSpec,
  RealEngine,
} from '../core/data-plane';
import { processTreeMetrics } from './proc-metrics';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const ENV = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C' };

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exec(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...ENV, ...env }, timeout: 60_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${file} ${args[0] ?? ''}: ${String(errOut) || err.message}`));
      else resolve(String(out));
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server a test started. */
export interface TestServer {
  info: InstanceInfo;
  /** Runs a client command against it (SQL for PostgreSQL/MariaDB, arguments for redis-cli). */
  client(command: string | string[]): Promise<string>;
  stop(): Promise<void>;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function asPostgres(file: string, args: string[]): [string, string[]] {
  if (!asRoot) return [file, args];
  return [
    'setpriv',
    ['--reuid', 'postgres', '--regid', 'postgres', '--init-groups', file, ...args],
  ];
}

function stopChild(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

function baseInfo(engine: RealEngine, kind: string, pod: string, port: number, dir: string) {
  return {
    namespace: 'demo',
    kind,
    database: pod.replace(/-\d+$/, ''),
    pod,
    engine,
    state: 'running' as const,
    machineVersion: '',
    host: '127.0.0.1',
    port,
    dataDir: dir,
    startedAt: new Date().toISOString(),
  };
}

/** Starts PostgreSQL 15 with a password user `postgres` (scram). */
export async function startPostgres(pod: string, password = 'pg-secret-1'): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-pg-'));
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'pw'), password);
  if (asRoot) chownSync(dir, ...(await postgresIds()));
  await exec(
    ...asPostgres(`${PG_BIN}/initdb`, [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'scram-sha-256',
      `--pwfile=${join(dir, 'pw')}`,
    ]),
  );
  const port = await freePort();
  const [file, args] = asPostgres(`${PG_BIN}/postgres`, [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'shared_buffers=32MB',
  ]);
  const child = spawn(file, args, { stdio: 'ignore', env: ENV });
  const client = (sql: string | string[]) =>
    exec(
      `${PG_BIN}/psql`,
      [
        '-X',
        '-At',
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-c',
        String(sql),
      ],
      { PGPASSWORD: password },
    );
  await until(async () => (await client('SELECT 1')).trim() === '1', 30_000, 'postgres');
  const info: InstanceInfo = {
    ...baseInfo('postgres', 'Postgres', pod, port, data),
    containerPort: 5432,
    pid: child.pid,
    socket: dir,
    user: 'postgres',
    password,
  };
  return { info, client, stop: () => stopChild(child, dir) };
}

async function postgresIds(): Promise<[number, number]> {
  const uid = Number((await exec('/usr/bin/id', ['-u', 'postgres'])).trim());
  const gid = Number((await exec('/usr/bin/id', ['-g', 'postgres'])).trim());
  return [uid, gid];
}

/** Starts MariaDB with a password user `root`. */
export async function startMariadb(pod: string, password = 'my-secret-1'): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-my-'));
  await exec('/usr/bin/mariadb-install-db', [
    '--datadir=' + join(dir, 'data'),
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const sock = join(dir, 's');
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${sock}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--user=root',
      '--innodb-buffer-pool-size=16M',
      `--pid-file=${join(dir, 'pid')}`,
    ],
    { stdio: 'ignore', env: ENV },
  );
  await until(
    async () =>
      (
        await exec('/usr/bin/mariadb', [
          '--no-defaults',
          '-S',
          sock,
          '-u',
          'root',
          '-N',
          '-e',
          'SELECT 1',
        ])
      ).trim() === '1',
    30_000,
    'mariadb',
  );
  await exec('/usr/bin/mariadb', [
    '--no-defaults',
    '-S',
    sock,
    '-u',
    'root',
    '-e',
    `CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'root'@'127.0.0.1'; FLUSH PRIVILEGES;`,
  ]);
  const client = (sql: string | string[]) =>
    exec(
      '/usr/bin/mariadb',
      [
        '--no-defaults',
        '-h',
        '127.0.0.1',
        '-P',
        String(port),
        '-u',
        'root',
        '-N',
        '-B',
        '-e',
        String(sql),
      ],
      { MYSQL_PWD: password },
    );
  const info: InstanceInfo = {
    ...baseInfo('mariadb', 'MariaDB', pod, port, join(dir, 'data')),
    containerPort: 3306,
    pid: child.pid,
    socket: sock,
    user: 'root',
    password,
  };
  return { info, client, stop: () => stopChild(child, dir) };
}

/** Starts Redis with `requirepass`. */
export async function startRedis(pod: string, password = 'rd-secret-1'): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-rd-'));
  const port = await freePort();
  const child = spawn(
    '/usr/bin/redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--requirepass',
      password,
    ],
    { stdio: 'ignore', env: ENV },
  );
  const client = (args: string | string[]) =>
    exec(
      '/usr/bin/redis-cli',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '--no-auth-warning',
        ...(Array.isArray(args) ? args : [args]),
      ],
      { REDISCLI_AUTH: password },
    );
  await until(async () => (await client('PING')).trim() === 'PONG', 15_000, 'redis');
  const info: InstanceInfo = {
    ...baseInfo('redis', 'Redis', pod, port, dir),
    containerPort: 6379,
    pid: child.pid,
    user: 'default',
    password,
  };
  return { info, client, stop: () => stopChild(child, dir) };
}

/** A `DataPlane` over servers started by the test; `ensure` is not supported. */
export class FixedDataPlane implements DataPlane {
  constructor(private readonly instances: InstanceInfo[]) {}
  available(): boolean {
    return true;
  }
  ensure(spec: InstanceSpec): Promise<InstanceInfo> {
    const known = this.instance(spec.namespace, spec.pod);
    return known ? Promise.resolve(known) : Promise.reject(new Error('fixed data plane'));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  remove(): Promise<void> {
    return Promise.resolve();
  }
  instance(namespace: string, pod: string): InstanceInfo | undefined {
    return this.instances.find((i) => i.namespace === namespace && i.pod === pod);
  }
  instanceOfDatabase(namespace: string, kind: string, database: string) {
    return this.instances.find(
      (i) => i.namespace === namespace && i.kind === kind && i.database === database,
    );
  }
  list(): InstanceInfo[] {
    return [...this.instances];
  }
  async metrics(namespace: string, pod: string): Promise<InstanceMetrics | undefined> {
    const pid = this.instance(namespace, pod)?.pid;
    return pid === undefined ? undefined : processTreeMetrics(pid);
  }
  onChange(): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Whether the machine has the server binaries these tests need. */
export function serversAvailable(): Record<RealEngine, boolean> {
  return {
    postgres: existsSync(`${PG_BIN}/postgres`),
    mariadb: existsSync('/usr/sbin/mariadbd'),
    redis: existsSync('/usr/bin/redis-server'),
  };
}
