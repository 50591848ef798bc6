/**
 * What the supervisor needs from one engine: how to initialise a data directory once, the server's
 * command line, a readiness probe, what to run after every start (credentials) and once (init
 * scripts), and how to ask it to stop.
 */
import type { InstanceSpec, RealEngine } from '../core/data-plane';
import type { RunAs } from './process';

/** Paths and port of one instance. */
export interface InstanceContext {
  spec: InstanceSpec;
  /** The instance's own folder (owned by the simulator's user). */
  home: string;
  /** The server's data directory (inside `home`). */
  dataDir: string;
  /** Socket directory or path (inside `home`, or a short temp path when `home` is too long). */
  socket: string;
  port: number;
  logFile: string;
  /** The user the server runs as, when the simulator is root and the engine needs one. */
  runAs?: RunAs;
  /** Where the primary of a standby listens, and the user it replicates as (`spec.standbyOf`). */
  primary?: { host: string; port: number; user: string; password: string };
}

export interface ServerCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface EngineStarter {
  engine: RealEngine;
  /** The server binary, for `available()` and the message when it is missing. */
  binary: string;
  containerPort: number;
  /**
   * The machine's version of the server that runs `spec` (e.g. `15.18`); without a spec, the
   * default one. `dataDir` is an existing data directory, which may pin the version.
   */
  machineVersion(spec?: InstanceSpec, dataDir?: string): string;
  /** Creates the data directory's contents when it has none yet. Returns true when it did. */
  initialize(ctx: InstanceContext): Promise<boolean>;
  command(ctx: InstanceContext): ServerCommand;
  /** One readiness probe; true when the server answers its protocol. */
  probe(ctx: InstanceContext): Promise<boolean>;
  /** After every start of a primary: credentials from the spec. */
  configure(ctx: InstanceContext): Promise<void>;
  /** Once, after the first start of a primary: the init scripts. */
  runInitScripts(ctx: InstanceContext, scripts: string[]): Promise<void>;
  /** The signal that asks the server for a clean, fast shutdown. */
  stopSignal: NodeJS.Signals;
  /** Whether the socket is a directory (PostgreSQL) rather than a file path. */
  socketIsDir: boolean;
  /** Whether the server must not run as root (then `runAs` is set when the simulator is root). */
  needsUser?: string;
}

/** Bytes in MiB, clamped. */
export function mib(bytes: number | undefined, fraction: number, min: number, max: number): number {
  const value = bytes && bytes > 0 ? Math.floor((bytes * fraction) / (1024 * 1024)) : max;
  return Math.max(min, Math.min(max, value));
}

/** Thrown with the tail of a command's output, never its arguments (they may carry a password). */
export function commandError(what: string, result: { code: number; stderr: string }): Error {
  const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return new Error(`${what} failed (exit ${result.code})${tail ? `: ${tail}` : ''}`);
}

/** A PostgreSQL string literal (standard_conforming_strings: only quotes are doubled). */
export function pgString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A MariaDB string literal (backslashes escape). */
export function myString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
