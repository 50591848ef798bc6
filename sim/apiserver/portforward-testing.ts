/**
 * Test support for `pods/portforward`: real redis-server and PostgreSQL processes started by the
 * test itself, and a `DataPlane` that records them as the instances behind named pods (the
 * process-managing data plane lives in `sim/dataplane/`; these tests need only the lookup).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import type { DataPlane, InstanceInfo, RealEngine } from '../core/data-plane';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A loopback port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A process the test started, and how to stop it. */
export interface TestProcess {
  port: number;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** A redis-server with `--requirepass`. */
export async function startTestRedis(password: string): Promise<TestProcess> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'].concat([
      '--requirepass',
      password,
    ]),
    { stdio: 'ignore' },
  );
  await waitForPort(port).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { port, stop: stopper(child) };
}

/** A PostgreSQL 15 server (run as the `postgres` user) with a password-protected `postgres` role. */
export async function startTestPostgres(dir: string, password: string): Promise<TestProcess> {
  const port = await freePort();
  const data = join(dir, 'pgdata');
  mkdirSync(data, { recursive: true });
  chmodSync(dir, 0o755);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password);
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
  chownSync(data, uid, gid);
  chownSync(pwfile, uid, gid);
  const asPg = (args: string[]) => ['--reuid', 'postgres', '--regid', 'postgres', '--init-groups', ...args]; // prettier-ignore
  const init = spawnSync(
    'setpriv',
    asPg([`${PG_BIN}/initdb`, '-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '-A', 'scram-sha-256']),
    { encoding: 'utf8' },
  ); // prettier-ignore
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const child = spawn(
    'setpriv',
    asPg([`${PG_BIN}/postgres`, '-D', data, '-p', String(port), '-k', data, '-c', 'listen_addresses=127.0.0.1']),
    { stdio: 'ignore' },
  ); // prettier-ignore
  await waitForPort(port).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { port, stop: stopper(child) };
}

/** A data plane whose instances are processes the test started. */
export class StaticDataPlane implements DataPlane {
  private readonly byPod = new Map<string, InstanceInfo>();

  add(
    namespace: string,
    pod: string,
    engine: RealEngine,
    port: number,
    containerPort: number,
  ): InstanceInfo {
    const info: InstanceInfo = {
      namespace,
      database: pod.replace(/-\d+$/, ''),
      kind: engine === 'postgres' ? 'Postgres' : engine === 'redis' ? 'Redis' : 'MariaDB',
      pod,
      engine,
      state: 'running',
      machineVersion: '',
      host: '127.0.0.1',
      port,
      containerPort,
      dataDir: '',
      user: '',
      password: '',
    };
    this.byPod.set(`${namespace}/${pod}`, info);
    return info;
  }

  available(): boolean {
    return true;
  }
  ensure(): Promise<InstanceInfo> {
    return Promise.reject(new Error('StaticDataPlane starts nothing'));
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  remove(): Promise<void> {
    return Promise.resolve();
  }
  instance(namespace: string, pod: string): InstanceInfo | undefined {
    return this.byPod.get(`${namespace}/${pod}`);
  }
  instanceOfDatabase(): InstanceInfo | undefined {
    return undefined;
  }
  list(): InstanceInfo[] {
    return [...this.byPod.values()];
  }
  metrics(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  onChange(): () => void {
    return () => undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
