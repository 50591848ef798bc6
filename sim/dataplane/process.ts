/**
 * Process plumbing of the data plane: spawning a server so that it dies with the simulator (its own
 * process group, `setpriv --pdeathsig KILL`, which survives the uid change to `postgres`), running
 * short client commands with a deadline, free ports, users, and process-tree metrics from /proc.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export const SETPRIV = '/usr/bin/setpriv';

/** A user to run a server as (PostgreSQL refuses root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** The uid/gid of a local user, from /etc/passwd; undefined if there is none. */
export function lookupUser(name: string): RunAs | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface SpawnServerOptions {
  command: string;
  args: string[];
  /** Appended to (stdout and stderr of the server). */
  logFile: string;
  env?: Record<string, string>;
  runAs?: RunAs;
  cwd?: string;
}

/**
 * Starts a long-running server in its own process group. With setpriv on the machine, the kernel
 * sends it SIGKILL when the simulator's main thread dies (even on SIGKILL of the simulator).
 */
export function spawnServer(options: SpawnServerOptions): ChildProcess {
  const log = openSync(options.logFile, 'a');
  try {
    const prefix = existsSync(SETPRIV) ? deathPrefix(options.runAs) : [];
    const [command, ...args] = [...prefix, options.command, ...options.args] as [
      string,
      ...string[],
    ];
    return spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      // Without setpriv, fall back to spawn's own uid switch (no parent-death signal then).
      ...(!existsSync(SETPRIV) && options.runAs
        ? { uid: options.runAs.uid, gid: options.runAs.gid }
        : {}),
    });
  } finally {
    closeSync(log);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The `setpriv` prefix that switches to `runAs` and asks for SIGKILL when the parent dies. */
function deathPrefix(runAs: RunAs | undefined): string[] {
  const user = runAs
    ? ['--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--clear-groups']
    : [];
  return [SETPRIV, ...user, '--pdeathsig', 'KILL', '--'];
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  runAs?: RunAs;
  /** Dies with the simulator, as servers do (for long commands such as a base backup). */
  dieWithParent?: boolean;
}

/** Runs a short command with a deadline; never rejects (a timeout is code -1). */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const wrap = options.dieWithParent === true && existsSync(SETPRIV);
  const [file, ...argv] = wrap
    ? [...deathPrefix(options.runAs), command, ...args]
    : [command, ...args];
  const runAs = wrap ? undefined : options.runAs;
  return new Promise((resolve) => {
    const child = execFile(
      file as string,
      argv,
      {
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env },
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : error.killed ? -1 : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // A client that exits before reading its input must not take the simulator down (EPIPE).
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** A port nobody listens on at 127.0.0.1 now (`preferred` first: a restart keeps its port). */
export function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        const address = server.address();
        const got = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => resolve(got));
      });
    });
  return (async () => {
    if (preferred) {
      const same = await tryPort(preferred);
      if (same) return same;
    }
    // Below the ephemeral range (32768+), so that no outgoing connection takes the port between
    // this check and the server's bind, and clients never self-connect to a stopped server's port.
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await tryPort(20_000 + Math.floor(Math.random() * 12_000));
      if (port) return port;
    }
    const any = await tryPort(0);
    if (!any) throw new Error('no free port on 127.0.0.1');
    return any;
  })();
}

/** Resolves when the process exits, or false after `ms`. */
export function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Signals a whole process group (the server and what it forked); ignores a gone group. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Polls `probe` until it holds or the deadline passes (or `alive` turns false). */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { deadlineMs: number; intervalMs?: number; alive?: () => boolean; what: string },
): Promise<void> {
  const end = Date.now() + options.deadlineMs;
  for (;;) {
    if (options.alive && !options.alive()) throw new Error(`${options.what}: the process exited`);
    if (await probe()) return;
    if (Date.now() > end)
      throw new Error(`${options.what}: not ready after ${options.deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

const PAGE = 4096;
const TICKS = 100;

/** RSS and CPU time of every process in the group `pgid` (Linux /proc). */
export function groupUsage(pgid: number): { rssBytes: number; cpuSeconds: number } {
  let rss = 0;
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { rssBytes: 0, cpuSeconds: 0 };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15, rss 24.
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
      rss += Number(fields[21]) * PAGE;
    } catch {
      // the process ended while being read
    }
  }
  return { rssBytes: rss, cpuSeconds: ticks / TICKS };
}

/** The first `x.y[.z]` version in a text. */
export function versionIn(text: string): string {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? 'unknown';
}

/** The version a binary prints (e.g. `postgres --version`), or `unknown`. */
export function commandVersion(command: string, args: string[]): string {
  try {
    return versionIn(execFileSync(command, args, { encoding: 'utf8', timeout: 10_000 }));
  } catch {
    return 'unknown';
  }
}
