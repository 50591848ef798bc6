/**
 * Real PostgreSQL, MariaDB and Redis servers for the backup tests, started as private children on
 * 127.0.0.1 (under `setpriv --pdeathsig KILL`) with data dirs under a temp dir. Each is described
 * as the DataPlane's `InstanceInfo`, so the backup modules see what the real data plane gives them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceInfo, RealEngine } from '../../sim/core/data-plane';
import { freePort } from './redis';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface TestServer {
  info: InstanceInfo;
  /** Stops the process (data kept). */
  stop: () => Promise<void>;
  /** Starts it again on the same port and data dir. */
  start: () => Promise<InstanceInfo>;
  /** Runs a query/command through the engine's CLI and returns stdout. */
  query: (sql: string) => string;
  /** Stops and removes the data dir. */
  remove: () => Promise<void>;
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function pdeath(command: string, args: string[], uid?: string): ChildProcess {
  const pre = uid ? ['--reuid', uid, '--regid', uid, '--init-groups'] : [];
  return spawn('setpriv', [...pre, '--pdeathsig', 'KILL', '--', command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

function base(engine: RealEngine, name: string, port: number, dataDir: string): InstanceInfo {
  const containerPort = { postgres: 5432, mariadb: 3306, redis: 6379 }[engine];
  return {
    namespace: 'demo',
    database: name,
    kind: { postgres: 'Postgres', mariadb: 'MariaDB', redis: 'Redis' }[engine],
    pod: `${name}-0`,
    engine,
    state: 'running',
    machineVersion: '',
    host: '127.0.0.1',
    port,
    containerPort,
    dataDir,
    user: engine === 'postgres' ? 'postgres' : engine === 'mariadb' ? 'root' : 'default',
    password: `pw-${name}-${Math.random().toString(36).slice(2)}`,
  };
}

/** Starts a real server of `engine`. */
export async function startTestServer(engine: RealEngine, name: string): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), `backup-${engine}-`));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const info = base(engine, name, port, dataDir);
  let child: ChildProcess | undefined;
  const env = {
    ...process.env,
    PGPASSWORD: info.password,
    MYSQL_PWD: info.password,
    REDISCLI_AUTH: info.password,
  };
  const cli = (args: string[], input?: string): string => {
    const command =
      engine === 'postgres' ? `${PG_BIN}/psql` : engine === 'mariadb' ? 'mariadb' : 'redis-cli';
    const r = spawnSync(command, args, { env, encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
    return r.stdout;
  };
  const query = (sql: string): string =>
    engine === 'postgres'
      ? cli(
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(port),
            '-U',
            'postgres',
            '-d',
            'postgres',
            '-X',
            '-q',
            '-At',
            '-v',
            'ON_ERROR_STOP=1',
          ],
          sql,
        )
      : engine === 'mariadb'
        ? cli(
            ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--protocol=TCP', '-N', '-B'],
            sql,
          )
        : cli(['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...sql.split(' ')]);
  const ready = (): boolean => {
    try {
      return engine === 'redis'
        ? query('PING').trim() === 'PONG'
        : query('SELECT 1').trim() === '1';
    } catch {
      return false;
    }
  };
  if (engine === 'postgres') {
    chownSync(root, 101, 104);
    chownSync(dataDir, 101, 104);
    const pwfile = join(root, 'pw');
    writeFileSync(pwfile, info.password);
    chownSync(pwfile, 101, 104);
    const init = spawnSync(
      'setpriv',
      [
        '--reuid',
        'postgres',
        '--regid',
        'postgres',
        '--init-groups',
        `${PG_BIN}/initdb`,
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth=scram-sha-256',
        `--pwfile=${pwfile}`,
      ],
      { encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    rmSync(pwfile);
  } else if (engine === 'mariadb') {
    const init = spawnSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--user=root',
        '--skip-test-db',
        '--auth-root-authentication-method=socket',
      ],
      { encoding: 'utf8', env: { ...process.env, TMPDIR: root } },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}`);
  }
  const start = async (): Promise<InstanceInfo> => {
    if (engine === 'postgres')
      child = pdeath(
        `${PG_BIN}/postgres`,
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-k',
          root,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
        ],
        'postgres',
      );
    else if (engine === 'mariadb')
      child = pdeath('/usr/sbin/mariadbd', [
        '--no-defaults',
        `--datadir=${dataDir}`,
        '--user=root',
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(root, 'my.sock')}`,
        `--pid-file=${join(root, 'my.pid')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        '--skip-name-resolve',
        `--tmpdir=${root}`,
      ]);
    else
      child = pdeath('redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dataDir,
        '--requirepass',
        info.password,
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
    if (engine === 'mariadb' && !ready()) {
      // First start: give root a password over TCP (the socket account has none).
      await until(
        'mariadbd socket',
        () =>
          spawnSync('mariadb', [
            '--no-defaults',
            '-S',
            join(root, 'my.sock'),
            '-u',
            'root',
            '-e',
            'SELECT 1',
          ]).status === 0,
      );
      const sql = `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${info.password}'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;`;
      spawnSync('mariadb', ['--no-defaults', '-S', join(root, 'my.sock'), '-u', 'root'], {
        input: sql,
      });
    }
    await until(`${engine} ready`, ready);
    info.state = 'running';
    info.pid = child.pid;
    return info;
  };
  const stop = async (): Promise<void> => {
    await stopChild(child, engine === 'postgres' ? 'SIGINT' : 'SIGTERM');
    info.state = 'stopped';
  };
  await start();
  return {
    info,
    start,
    stop,
    query,
    remove: async () => {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
