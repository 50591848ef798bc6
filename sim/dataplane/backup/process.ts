/**
 * Child processes of the backup data plane (restic, pg_dumpall, psql, mariadb-dump, mariadb,
 * redis-cli): each runs under `setpriv --pdeathsig KILL`, so it dies with the simulator even on
 * SIGKILL, is bounded by a timeout, and is killed when the caller's signal aborts. Secrets are passed
 * in the environment only, and every text that leaves here (errors, stderr) is redacted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { trackOrphan, type OrphanCleanup } from './orphan-reaper';

/** The PATH children get (the simulator's own environment is not inherited). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Raised when a child fails; `stderr` and the message are already redacted. */
export class ChildError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'ChildError';
  }
}

/** Replaces every secret in `text` by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

export interface ChildOptions {
  env: Record<string, string>;
  /** Values that must never appear in what is returned or thrown. */
  secrets: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  cwd?: string;
  /** Called with each chunk of stderr (already redacted), e.g. to detect a hopeless retry loop. */
  onStderr?: (chunk: string) => void;
  /** Run by the orphan reaper if the simulator dies while this child runs (e.g. restic unlock). */
  orphanCleanup?: OrphanCleanup;
}

/** A started child with its completion. */
export interface Running {
  child: ChildProcess;
  /** Resolves with the exit code; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The (redacted, last 16 KiB of) stderr so far. */
  stderr: () => string;
  timedOut: () => boolean;
  kill: () => void;
}

const STDERR_KEEP = 16 * 1024;

/** Starts `command args` with stdin/stdout as pipes; the caller wires them. */
export function startChild(command: string, args: string[], options: ChildOptions): Running {
  const argv = SETPRIV
    ? [SETPRIV, '--pdeathsig', 'KILL', '--', command, ...args]
    : [command, ...args];
  const child = spawn(argv[0] ?? command, argv.slice(1), {
    env: { PATH: DEFAULT_PATH, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.orphanCleanup) trackOrphan(child, options.orphanCleanup);
  let stderr = '';
  let timedOut = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const clean = redact(chunk, options.secrets);
    stderr = (stderr + clean).slice(-STDERR_KEEP);
    options.onStderr?.(clean);
  });
  // A child that exits before reading its stdin must not crash the simulator with EPIPE.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  const onAbort = (): void => kill();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) kill();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      stderr += redact(String(error.message), options.secrets);
      resolve({ code: -1, signal: null });
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  });
  return { child, exited, stderr: () => stderr, timedOut: () => timedOut, kill };
}

/** Runs a child to completion, feeding `input` (if any), and returns its stdout. */
export async function runChild(
  command: string,
  args: string[],
  options: ChildOptions & { input?: string | Buffer },
): Promise<string> {
  const run = startChild(command, args, options);
  const out: Buffer[] = [];
  run.child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  run.child.stdin?.end(options.input ?? '');
  const { code, signal } = await run.exited;
  if (code !== 0) throw childFailure(command, run, code, signal);
  return Buffer.concat(out).toString('utf8');
}

/** The error of a failed child: the last meaningful stderr line, or how it ended. */
export function childFailure(
  command: string,
  run: Running,
  code: number | null,
  signal: NodeJS.Signals | null,
): ChildError {
  const stderr = run.stderr();
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const last = lines.find((l) => /^(fatal|error)\b/i.test(l)) ?? lines.pop() ?? '';
  const how = run.timedOut()
    ? 'timed out'
    : signal
      ? `was killed (${signal})`
      : `exited with code ${String(code)}`;
  return new ChildError(
    `${command} ${how}${last ? `: ${last}` : ''}`,
    command,
    code,
    stderr,
    run.timedOut(),
  );
}
