/**
 * Memory and CPU time of a real database process and its children (PostgreSQL's backends and
 * auxiliary processes, MariaDB's and Redis's single process) read from Linux `/proc`.
 *
 * - CPU: `utime + stime` of every live process of the tree, plus the root's `cutime + cstime` (the
 *   time of children that already exited and were reaped, e.g. finished PostgreSQL backends), so the
 *   total only grows, like a container's `cpuacct.usage`.
 * - Memory: the private resident pages of every process of the tree, plus the largest shared
 *   resident set of any one of them, counted once (PostgreSQL's `shared_buffers` and the server
 *   binary are mapped by every backend). For one process this is its RSS; for a tree it is close to
 *   the union of its pages, which is what a pod's cgroup would be charged.
 *
 * Bounded: one pass over `/proc/[pid]/stat` (at most `MAX_SCAN` entries) finds the children, and at
 * most `MAX_TREE` processes are read. Linux only; elsewhere (or for a gone pid) the answer is
 * `undefined`.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { InstanceMetrics } from '../core/data-plane';

/** Clock ticks per second of `/proc/[pid]/stat` times (USER_HZ, 100 on every Linux ABI). */
const TICKS_PER_SECOND = 100;
const MAX_SCAN = 8192;
const MAX_TREE = 512;

/** The fields of `/proc/[pid]/stat` used here. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** user + system time of the process itself, seconds. */
  cpuSeconds: number;
  /** user + system time of its reaped children, seconds. */
  childCpuSeconds: number;
  /** Start time after boot, seconds. */
  startSeconds: number;
}

/** Parses one `/proc/[pid]/stat` line (the command name may hold spaces and parentheses). */
export function parseProcStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // After ") ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17) ... starttime(22)
  const f = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const at = (field: number) => Number(f[field - 3]);
  const values = [at(4), at(14), at(15), at(16), at(17), at(22)];
  if (!Number.isFinite(pid) || values.some((v) => !Number.isFinite(v))) return undefined;
  return {
    pid,
    ppid: at(4),
    cpuSeconds: (at(14) + at(15)) / TICKS_PER_SECOND,
    childCpuSeconds: (at(16) + at(17)) / TICKS_PER_SECOND,
    startSeconds: at(22) / TICKS_PER_SECOND,
  };
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Resident bytes of one process: pages only it maps, and pages it shares with others. */
export interface Resident {
  private: number;
  shared: number;
}

/**
 * Parses `/proc/[pid]/smaps_rollup` (`Rss`, `Private_Clean`, `Private_Dirty`) or, where that is
 * missing, `/proc/[pid]/status` (`RssAnon` private, `RssFile` + `RssShmem` shared), into bytes.
 */
export function parseResident(text: string): Resident | undefined {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const rss = kb('Rss');
  const clean = kb('Private_Clean');
  const dirty = kb('Private_Dirty');
  if (rss !== undefined && clean !== undefined && dirty !== undefined)
    return { private: clean + dirty, shared: Math.max(0, rss - clean - dirty) };
  const anon = kb('RssAnon');
  const file = kb('RssFile');
  if (anon !== undefined && file !== undefined)
    return { private: anon, shared: file + (kb('RssShmem') ?? 0) };
  const total = kb('VmRSS');
  return total === undefined ? undefined : { private: total, shared: 0 };
}

async function readResident(pid: number): Promise<Resident | undefined> {
  for (const file of ['smaps_rollup', 'status']) {
    try {
      const r = parseResident(await readFile(`/proc/${pid}/${file}`, 'utf8'));
      if (r) return r;
    } catch {
      // not readable (older kernel, another user's process): try the next source
    }
  }
  return undefined;
}

/** The pids of the tree under `root` (root first), from one scan of `/proc`. */
export async function processTree(root: number): Promise<ProcStat[]> {
  const rootStat = await readStat(root);
  if (!rootStat) return [];
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [rootStat];
  }
  const byParent = new Map<number, ProcStat[]>();
  const pids = names
    .filter((n) => /^\d+$/.test(n))
    .slice(0, MAX_SCAN)
    .map(Number);
  const stats = await Promise.all(
    pids.map((p) => (p === root ? Promise.resolve(rootStat) : readStat(p))),
  );
  for (const s of stats) {
    if (!s || s.pid === root) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push(s);
    byParent.set(s.ppid, list);
  }
  const tree = [rootStat];
  for (let i = 0; i < tree.length && tree.length < MAX_TREE; i++) {
    for (const child of byParent.get(tree[i]?.pid ?? -1) ?? []) {
      if (tree.length >= MAX_TREE) break;
      tree.push(child);
    }
  }
  return tree;
}

/** RSS and CPU time of the process `pid` and its descendants; undefined when it is gone. */
export async function processTreeMetrics(pid: number): Promise<InstanceMetrics | undefined> {
  const tree = await processTree(pid);
  const root = tree[0];
  if (!root) return undefined;
  let cpuSeconds = root.childCpuSeconds;
  let own = 0;
  let shared = 0;
  const residents = await Promise.all(tree.map((p) => readResident(p.pid)));
  tree.forEach((p, i) => {
    cpuSeconds += p.cpuSeconds;
    own += residents[i]?.private ?? 0;
    shared = Math.max(shared, residents[i]?.shared ?? 0);
  });
  return { rssBytes: own + shared, cpuSeconds };
}

/** Seconds since boot (`/proc/uptime`), to turn a start time into an age. */
export async function uptimeSeconds(): Promise<number | undefined> {
  try {
    const n = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** How long the process has run, seconds (for a first CPU rate before two samples exist). */
export async function processAgeSeconds(pid: number): Promise<number | undefined> {
  const [stat, up] = await Promise.all([readStat(pid), uptimeSeconds()]);
  if (!stat || up === undefined) return undefined;
  return Math.max(0, up - stat.startSeconds);
}
