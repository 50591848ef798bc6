/**
 * The simulator's side of the orphan reaper (orphan-reaper-child.mjs): a child that is NOT killed
 * with the simulator, so that what a SIGKILLed simulator's children leave behind is cleaned up
 * after it. Today that is restic's lock: restic dies with the simulator (parent-death signal) and
 * cannot remove its lock from the repository; the reaper runs `restic unlock` (which removes only
 * stale locks) once the killed restic is gone.
 *
 * One reaper per simulator process, started on first use. It costs nothing while the simulator
 * lives, and it exits at once when the simulator ends with nothing tracked (or says goodbye).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The reaper's script, resolved when first needed (a browser-like test environment never does). */
const childScript = (): string =>
  fileURLToPath(new URL('./orphan-reaper-child.mjs', import.meta.url));

/** What the reaper runs if the simulator dies while the tracked child runs. */
export interface OrphanCleanup {
  command: string;
  args: string[];
  /** The clean-up's environment (it may hold credentials: they go over a pipe, never argv). */
  env: Record<string, string>;
}

let reaper: ChildProcess | undefined;
let next = 0;

function send(message: object): void {
  if (!reaper) {
    reaper = spawn(process.execPath, [childScript()], {
      // Its own process group: a group kill of the simulator's children must not take it.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    reaper.on('error', () => (reaper = undefined));
    reaper.on('exit', () => (reaper = undefined));
    reaper.stdin?.on('error', () => undefined);
    // Neither the process nor its pipe keeps the simulator's event loop alive.
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  reaper.stdin?.write(`${JSON.stringify(message)}\n`);
}

/**
 * Tracks `child` until it exits: should the simulator die first, `cleanup` runs after the child is
 * gone. Returns the function that stops tracking (also called on the child's exit).
 */
export function trackOrphan(child: ChildProcess, cleanup: OrphanCleanup): () => void {
  if (child.pid === undefined) return () => undefined;
  const id = `${process.pid}-${++next}`;
  send({ track: id, pid: child.pid, ...cleanup });
  let done = false;
  const untrack = (): void => {
    if (done) return;
    done = true;
    if (reaper) send({ untrack: id });
  };
  child.once('close', untrack);
  return untrack;
}

/** The reaper's pid, when one runs (for tests). */
export function orphanReaperPid(): number | undefined {
  return reaper?.pid;
}
