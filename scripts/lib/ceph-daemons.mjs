// Process handling for ceph-rgw.mjs: running Ceph's tools, its daemons in process groups of their
// own that die with this process, stopping them by pid, and clearing what a killed run left.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIR_PREFIX = 'ceph-rgw-';
export const OWNER_FILE = 'owner.pid';
export const PIDS_FILE = 'daemons.pid';

export function portFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

/** Runs a Ceph tool to completion; rejects with its stderr tail (stdout too unless secret). */
export function tool(command, args, deadline, secretOutput = false) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, deadline - Date.now()));
    child.on('error', (e) => (clearTimeout(timer), reject(new Error(`${command}: ${e.message}`))));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolveRun(out);
      const detail = (secretOutput ? err : `${out}\n${err}`).trim().split('\n').slice(-10);
      reject(
        new Error(
          `${command} ${args[0] === '-c' ? args[2] : args[0]} failed ` +
            `(${signal ?? `exit ${code}`}): ${detail.join(' | ')}`,
        ),
      );
    });
  });
}

/** A daemon in the foreground, in a process group of its own, killed when this process dies. */
export function startDaemon(dir, name, command, args) {
  const errFd = openSync(join(dir, 'log', `${name}.stderr`), 'a');
  const usePdeath = hasSetprivPdeathsig();
  const child = spawn(
    usePdeath ? 'setpriv' : command,
    usePdeath ? ['--pdeathsig', 'KILL', command, ...args] : args,
    { stdio: ['ignore', 'ignore', errFd], detached: true },
  );
  closeSync(errFd);
  const daemon = { name, pid: child.pid, exited: undefined };
  child.on('exit', (code, signal) => (daemon.exited = signal ?? `exit ${code}`));
  child.on('error', (e) => (daemon.exited = e.message));
  child.unref();
  writeFileSync(join(dir, PIDS_FILE), `${child.pid}\n`, { flag: 'a' });
  return daemon;
}

let pdeathsig;
function hasSetprivPdeathsig() {
  pdeathsig ??=
    spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ?? false;
  return pdeathsig;
}

export async function waitUntil(condition, what, deadline, daemons) {
  while (Date.now() < deadline) {
    const dead = daemons.find((d) => d.exited);
    if (dead) throw new Error(`${dead.name} exited (${dead.exited}) while waiting for ${what}`);
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Kills each daemon's process group, waits (bounded) until they are gone, removes the dir. */
export function stopDaemons(daemons, dir) {
  killAll(daemons.map((d) => d.pid));
  rmSync(dir, { recursive: true, force: true });
}

function killAll(pids) {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const until = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < until) sleepSync(20);
}

/** Alive means running: a zombie (killed, not yet reaped by its parent) holds no ports. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Data dirs of earlier starts whose owner process is gone: their daemons and files go. */
export function removeAbandoned() {
  let entries;
  try {
    entries = readdirSync(tmpdir()).filter((e) => e.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(tmpdir(), entry);
    let owner;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8').trim());
    } catch {
      continue; // not ours, or still being created
    }
    if (!owner || alive(owner)) continue;
    let pids = [];
    try {
      pids = readFileSync(join(dir, PIDS_FILE), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // no daemon started
    }
    // Only pids that still run a Ceph daemon of this very dir (a pid may have been reused).
    killAll(
      pids.filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
        } catch {
          return false;
        }
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

export function logTails(dir) {
  let files;
  try {
    files = readdirSync(join(dir, 'log')).sort();
  } catch {
    return '';
  }
  let text = '';
  for (const file of files) {
    const lines = readFileSync(join(dir, 'log', file), 'utf8')
      .trimEnd()
      .split('\n')
      .filter(Boolean);
    if (lines.length === 0) continue;
    text += `\n--- ${file} (last ${Math.min(15, lines.length)} lines)\n${lines.slice(-15).join('\n')}`;
  }
  return text;
}
