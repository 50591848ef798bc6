/**
 * A real PostgreSQL server for the PITR tests (and for trying PITR without the data plane): initdb
 * + postgres as the `postgres` OS user when running as root, on 127.0.0.1 and a free port, with a
 * log file. Settings are passed on the command line, as the data plane's starter does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_PG_BIN } from './archive';
import { runTool, type RunAs } from './exec';
import type { PgConnection } from './pg';
import { psql } from './pg';

export interface TestPostgres {
  conn: PgConnection;
  dataDir: string;
  runAs?: RunAs;
  start(): Promise<void>;
  stop(): Promise<void>;
  logTail(): Promise<string>;
  /** Waits until the server accepts connections. */
  ready(timeoutMs?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The `postgres` user when we are root (postgres refuses to run as root). */
export async function postgresRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const out = await runTool('id', ['-u', 'postgres']);
  const gid = await runTool('id', ['-g', 'postgres']);
  return { uid: Number(out.trim()), gid: Number(gid.trim()) };
}

export async function ownedDir(path: string, runAs?: RunAs, mode = 0o755): Promise<string> {
  await mkdir(path, { recursive: true, mode });
  if (runAs) await chown(path, runAs.uid, runAs.gid);
  return path;
}

export async function createTestPostgres(options: {
  dir: string;
  password: string;
  /** Extra server settings (e.g. from `prepareWalArchive`). */
  settings?: () => Record<string, string>;
  pgBin?: string;
}): Promise<TestPostgres> {
  const pgBin = options.pgBin ?? DEFAULT_PG_BIN;
  const runAs = await postgresRunAs();
  await ownedDir(options.dir, runAs);
  const dataDir = join(options.dir, 'data');
  const socketDir = await ownedDir(join(options.dir, 'sock'), runAs);
  const pwfile = join(options.dir, 'pwfile');
  await writeFile(pwfile, options.password, { mode: 0o600 });
  if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
  await runTool(
    join(pgBin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8'],
    { runAs, timeoutMs: 120_000 },
  );
  const port = await freePort();
  const conn: PgConnection = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: options.password,
  };
  const logFile = join(options.dir, 'server.log');
  let child: ChildProcess | undefined;

  const logTail = async (): Promise<string> =>
    (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-200).join('\n');

  const ready = async (timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await psql(conn, 'SELECT 1', { pgBin, timeoutMs: 5000 });
        return;
      } catch (error) {
        if (Date.now() > deadline || !child) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const start = async (): Promise<void> => {
    if (child) return;
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: socketDir,
      shared_buffers: '32MB',
      ...options.settings?.(),
    };
    const args = ['-D', dataDir];
    for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
    const log = await open(logFile, 'a');
    const proc = spawn(join(pgBin, 'postgres'), args, {
      stdio: ['ignore', log.fd, log.fd],
      uid: runAs?.uid,
      gid: runAs?.gid,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8' },
    });
    await log.close();
    child = proc;
    proc.on('exit', () => {
      if (child === proc) child = undefined;
    });
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGINT'); // fast shutdown: a clean checkpoint, data kept
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  return { conn, dataDir, runAs, start, stop, logTail, ready };
}
