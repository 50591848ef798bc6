// The orphan reaper: a process that outlives the simulator on purpose. The simulator tells it, over
// its stdin, which children are running that would leave something behind if they were killed with
// the simulator (a restic backup leaves its lock in the repository), and how to clean that up. When
// stdin ends without "bye" (the simulator died, even by SIGKILL), it waits for those children to be
// gone, runs each clean-up once with a deadline, and exits. It never runs longer than REAP_DEADLINE.
//
// Lines: {"track": id, "pid": n, "command": c, "args": [...], "env": {...}} | {"untrack": id} | {"bye": true}
// The env holds credentials: it stays in this process's memory and the clean-up's environment.
import { execFile } from 'node:child_process';

const WAIT_FOR_DEATH_MS = 10_000;
const CLEANUP_TIMEOUT_MS = 30_000;
const REAP_DEADLINE_MS = 60_000;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const tracked = new Map();
let buffered = '';
let bye = false;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function cleanup(entry) {
  return new Promise((resolve) => {
    execFile(
      entry.command,
      entry.args,
      { env: { PATH, ...entry.env }, timeout: CLEANUP_TIMEOUT_MS, killSignal: 'SIGKILL' },
      () => resolve(),
    );
  });
}

async function reap() {
  const entries = [...tracked.values()];
  const until = Date.now() + WAIT_FOR_DEATH_MS;
  // The children die of their parent-death signal at the same moment; a clean-up (restic unlock)
  // only removes what a dead process left, so wait until they are gone.
  while (entries.some((e) => alive(e.pid)) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all(entries.map(cleanup));
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.bye) bye = true;
    else if (typeof message.untrack === 'string') tracked.delete(message.untrack);
    else if (typeof message.track === 'string') tracked.set(message.track, message);
  }
});
process.stdin.on('end', () => {
  if (bye || tracked.size === 0) process.exit(0);
  setTimeout(() => process.exit(1), REAP_DEADLINE_MS).unref();
  void reap().then(() => process.exit(0));
});
// A broken pipe is the same as the end of stdin.
process.stdin.on('error', () => process.stdin.emit('end'));
