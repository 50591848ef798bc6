/**
 * Runs the command-line tools PITR needs (restic, pg_basebackup, psql) as child processes, as the
 * owner of the database's data directory when the simulator runs as root, with a deadline, and
 * with secrets removed from every message that leaves this module.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';

/** The OS user a tool runs as (the data directory's owner, e.g. `postgres`). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  runAs?: RunAs;
  /** A file fed to stdin. */
  stdinFile?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Strings that must never appear in an error message (passwords, keys). */
  secrets?: string[];
}

/** A failed tool run: the message names the tool, the exit status and stderr's last lines. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Replaces every secret in `message` by `***`. */
export function redact(message: string, secrets: readonly string[] = []): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}

/** Tools get a fixed, minimal environment (no inherited secrets); callers add what a tool reads. */
const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
};

/** Runs `command args`, resolving to stdout; rejects with a `ToolError` on a non-zero exit. */
export function runTool(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const env: Record<string, string> = { ...BASE_ENV, ...options.env };
  const tool = command.split('/').pop() ?? command;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
      uid: options.runAs?.uid,
      gid: options.runAs?.gid,
      stdio: [options.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    if (options.stdinFile && child.stdin) createReadStream(options.stdinFile).pipe(child.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
      : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new ToolError(`${tool} could not run: ${error.message}`, tool, null, ''));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = redact(Buffer.concat(err).toString('utf8'), options.secrets);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const tail = stderr.trim().split('\n').slice(-4).join(' | ');
      const status = signal ? `was killed (${signal})` : `exited with ${code}`;
      const sub = args[0] && !args[0].startsWith('-') ? ` ${args[0]}` : '';
      reject(new ToolError(`${tool}${sub} ${status}: ${tail}`, tool, code, stderr));
    });
  });
}
