/**
 * The restic runner of the simulated KubeStash operator: one repository (a BackupStorage's S3
 * bucket and prefix plus the Repository's path, or a local directory in unit tests), every call a
 * bounded `restic` child (see process.ts). Errors carry a `reason` naming the cause (wrong
 * credentials, missing bucket, S3 unreachable, wrong password, lock, timeout) and never a secret.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ResticTarget } from '../../core/data-plane';
import { ChildError, childFailure, redact, runChild, startChild } from './process';
import type { OrphanCleanup } from './orphan-reaper';

export type ResticFailure =
  | 'WrongCredentials'
  | 'BucketNotFound'
  | 'StorageUnreachable'
  | 'QuotaExceeded'
  | 'WrongPassword'
  | 'RepositoryLocked'
  | 'Timeout'
  | 'DumpFailed'
  | 'InvalidConfiguration'
  | 'ResticFailed';

/** A restic failure with a reason naming its cause; the message holds no secret. */
export class ResticError extends Error {
  constructor(
    readonly reason: ResticFailure,
    message: string,
    /** restic's (redacted) stderr, for callers that tell causes apart. */
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'ResticError';
  }
}

/** One entry of `restic snapshots --json`. */
export interface ResticSnapshot {
  id: string;
  short_id: string;
  time: string;
  hostname: string;
  paths: string[];
  tags?: string[];
}

export interface BackupResult {
  snapshotId: string;
  /** Bytes of the dump (restic's total_bytes_processed). */
  size: number;
  /** Bytes the repository grew by. */
  dataAdded: number;
  /** sha256 of the stream that was backed up. */
  sha256: string;
  durationMs: number;
}

export interface ResticOptions {
  /** Per restic call (default 10 min). */
  timeoutMs?: number;
  /** restic's cache directory (default: no cache). */
  cacheDir?: string;
  /** `--host` of new snapshots. */
  host?: string;
  /** S3 region (AWS_DEFAULT_REGION). */
  region?: string;
  /** Connection-error retries restic may log before the call is given up as unreachable. */
  maxRetries?: number;
  /** Extra environment (e.g. TMPDIR). */
  env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Maps restic's stderr to the cause a user can act on. */
export function classify(stderr: string, timedOut = false): ResticFailure {
  const s = stderr.toLowerCase();
  // Before the credential check: S3 answers a full bucket with a 403 too.
  if (/quotaexceeded/.test(s)) return 'QuotaExceeded';
  if (
    /invalidaccesskeyid|signaturedoesnotmatch|signature we calculated does not match|access key id you provided does not exist|access denied|accessdenied|forbidden/.test(
      s,
    )
  )
    return 'WrongCredentials';
  if (/nosuchbucket|bucket does not exist|specified bucket does not exist/.test(s))
    return 'BucketNotFound';
  if (/wrong password|no key found/.test(s)) return 'WrongPassword';
  if (/repository is already locked|unable to create lock/.test(s)) return 'RepositoryLocked';
  if (/connection refused|no such host|i\/o timeout|connection reset|eof|dial tcp/.test(s))
    return 'StorageUnreachable';
  if (timedOut) return 'Timeout';
  return 'ResticFailed';
}

const EXPLAIN: Record<ResticFailure, string> = {
  WrongCredentials: 'the S3 server rejected the access key or secret key of the storage secret',
  BucketNotFound: 'the S3 bucket of the BackupStorage does not exist',
  StorageUnreachable: 'the S3 endpoint of the BackupStorage is unreachable',
  QuotaExceeded: 'the S3 bucket of the BackupStorage is over its quota',
  WrongPassword: 'the repository password (encryption secret) does not open the repository',
  RepositoryLocked: 'the repository is locked by another restic process',
  Timeout: 'restic did not finish in time',
  DumpFailed: 'the database dump failed',
  InvalidConfiguration: 'the backup objects are incomplete',
  ResticFailed: 'restic failed',
};

/** The bucket of an `s3:[http(s)://]host[:port]/bucket[/prefix]` repository location. */
export function bucketOf(repository: string): string | undefined {
  return /^s3:(?:https?:\/\/)?[^/]+\/([^/]+)/.exec(repository)?.[1];
}

/** Whether a stderr chunk shows restic retrying a connection that is refused or reset. */
function isConnectionRetry(chunk: string): boolean {
  return (
    /retrying after/i.test(chunk) &&
    /connection refused|dial tcp|connection reset|eof|no such host/i.test(chunk)
  );
}

/** Whether restic retries a write that S3 refused for the bucket's quota (it will not pass). */
function isQuotaRetry(chunk: string): boolean {
  return /retrying after/i.test(chunk) && /quotaexceeded/i.test(chunk);
}

/**
 * Why restic is given up on early, from its stderr: a quota refusal at once (retrying cannot free
 * space), a dead endpoint after `maxRetries` connection retries (restic's own back-off is minutes).
 */
function watchRetries(
  maxRetries = 3,
): (chunk: string) => 'StorageUnreachable' | 'QuotaExceeded' | undefined {
  let retries = 0;
  return (chunk) => {
    if (isQuotaRetry(chunk)) return 'QuotaExceeded';
    if (isConnectionRetry(chunk) && ++retries > maxRetries) return 'StorageUnreachable';
    return undefined;
  };
}

export class Restic {
  private readonly secrets: string[];
  private readonly env: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(
    readonly target: ResticTarget,
    private readonly options: ResticOptions = {},
  ) {
    this.secrets = [target.password, target.secretAccessKey, target.accessKeyId].filter(Boolean);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.env = {
      ...options.env,
      RESTIC_REPOSITORY: target.repository,
      RESTIC_PASSWORD: target.password,
      AWS_ACCESS_KEY_ID: target.accessKeyId,
      AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
      ...(options.region ? { AWS_DEFAULT_REGION: options.region } : {}),
      ...(options.cacheDir ? { RESTIC_CACHE_DIR: options.cacheDir } : {}),
    };
  }

  /** The repository location with no credentials (they are never part of it). */
  get location(): string {
    return this.target.repository;
  }

  private globalArgs(): string[] {
    return this.options.cacheDir ? [] : ['--no-cache'];
  }

  /**
   * For a command that locks the repository: a simulator killed while it runs leaves its lock in
   * S3, so the orphan reaper unlocks (stale locks only) once the killed restic is gone.
   */
  private unlockIfOrphaned(args: string[]): { orphanCleanup?: OrphanCleanup } {
    if (args[0] === 'unlock' || args.includes('--no-lock')) return {};
    return {
      orphanCleanup: { command: 'restic', args: [...this.globalArgs(), 'unlock'], env: this.env },
    };
  }

  private fail(error: unknown, what: string): ResticError {
    if (error instanceof ResticError) return error;
    const stderr = error instanceof ChildError ? error.stderr : String(error);
    const timedOut = error instanceof ChildError && error.timedOut;
    const reason = classify(stderr, timedOut);
    const detail = error instanceof Error ? error.message : String(error);
    // restic's own words do not name the bucket; the message does, so a user knows which to make.
    const bucket = reason === 'BucketNotFound' ? bucketOf(this.target.repository) : undefined;
    const explained = bucket
      ? EXPLAIN.BucketNotFound.replace('S3 bucket', `S3 bucket ${bucket}`)
      : EXPLAIN[reason];
    return new ResticError(
      reason,
      redact(`${what}: ${explained} (${detail})`, this.secrets),
      stderr,
    );
  }

  /** Runs restic to completion; gives up early when it keeps retrying a dead endpoint. */
  private async run(
    args: string[],
    what: string,
    signal?: AbortSignal,
    input?: string,
    env: Record<string, string> = this.env,
  ): Promise<string> {
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const giveUp = watchRetries(this.options.maxRetries);
    let givenUp: 'StorageUnreachable' | 'QuotaExceeded' | undefined;
    try {
      return await runChild('restic', [...this.globalArgs(), ...args], {
        env,
        ...this.unlockIfOrphaned(args),
        secrets: this.secrets,
        timeoutMs: this.timeoutMs,
        signal: abort.signal,
        ...(input !== undefined ? { input } : {}),
        onStderr: (chunk) => {
          givenUp ??= giveUp(chunk);
          if (givenUp) abort.abort();
        },
      });
    } catch (error) {
      if (givenUp) throw new ResticError(givenUp, `${what}: ${EXPLAIN[givenUp]}`);
      throw this.fail(error, what);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Whether the repository exists (its config can be read). */
  async exists(signal?: AbortSignal): Promise<boolean> {
    try {
      // Without a region restic's S3 client asks for the bucket's location first, so a missing
      // bucket is reported as such (with one, a HEAD of the config just answers 404), and `init`
      // below never creates a bucket the BackupStorage names but nobody made.
      const { AWS_DEFAULT_REGION: _region, ...withoutRegion } = this.env;
      await this.run(['cat', 'config'], 'open repository', signal, undefined, withoutRegion);
      return true;
    } catch (error) {
      if (
        error instanceof ResticError &&
        error.reason === 'ResticFailed' &&
        /unable to open config file|is there a repository/i.test(error.stderr)
      )
        return false;
      throw error;
    }
  }

  /** Creates the repository unless it exists. A missing S3 bucket is an error, not created. */
  async ensure(signal?: AbortSignal): Promise<'created' | 'existed'> {
    if (await this.exists(signal)) return 'existed';
    await this.run(['init'], 'initialize repository', signal);
    return 'created';
  }

  /** Removes stale locks (of dead restic processes); live locks stay. */
  async unlock(signal?: AbortSignal): Promise<void> {
    await this.run(['unlock'], 'unlock repository', signal);
  }

  /** The ids of the lock files in the repository (stale or live). */
  async locks(signal?: AbortSignal): Promise<string[]> {
    const out = await this.run(['list', 'locks', '--no-lock'], 'list locks', signal);
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  }

  /** Every snapshot (optionally with all of `tags`), oldest first. */
  async snapshots(tags: string[] = [], signal?: AbortSignal): Promise<ResticSnapshot[]> {
    const args = ['snapshots', '--json', ...(tags.length ? ['--tag', tags.join(',')] : [])];
    const out = await this.run(args, 'list snapshots', signal);
    const list = JSON.parse(out.trim() || '[]') as ResticSnapshot[] | null;
    return (list ?? []).sort((a, b) => a.time.localeCompare(b.time));
  }

  /** One snapshot by (short or full) id, if it exists. */
  async snapshotById(id: string, signal?: AbortSignal): Promise<ResticSnapshot | undefined> {
    const out = await this.run(['snapshots', '--json', id], 'find snapshot', signal);
    const list = JSON.parse(out.trim() || '[]') as ResticSnapshot[] | null;
    return (list ?? []).find((s) => s.id.startsWith(id));
  }

  /**
   * Streams `source` (a dump's stdout) into a new snapshot of `filename`. `sourceDone` resolves
   * when the producer has exited: if it reports failure, restic is killed before its stdin ends, so
   * no snapshot of a partial dump is ever written.
   */
  async backupStream(
    source: Readable,
    sourceDone: Promise<{ ok: boolean; message?: string }>,
    filename: string,
    tags: string[],
    signal?: AbortSignal,
  ): Promise<BackupResult> {
    const started = Date.now();
    const giveUp = watchRetries(this.options.maxRetries);
    let givenUp: 'StorageUnreachable' | 'QuotaExceeded' | undefined;
    const run = startChild(
      'restic',
      [
        ...this.globalArgs(),
        'backup',
        '--json',
        '--stdin',
        '--stdin-filename',
        filename,
        ...(this.options.host ? ['--host', this.options.host] : []),
        ...tags.flatMap((t) => ['--tag', t]),
      ],
      {
        env: this.env,
        secrets: this.secrets,
        timeoutMs: this.timeoutMs,
        ...this.unlockIfOrphaned(['backup']),
        ...(signal ? { signal } : {}),
        onStderr: (chunk) => {
          givenUp ??= giveUp(chunk);
          if (givenUp) run.kill();
        },
      },
    );
    const hash = createHash('sha256');
    const stdin = run.child.stdin;
    let sourceEnded = false;
    const ended = new Promise<void>((resolve) => {
      source.on('end', () => {
        sourceEnded = true;
        resolve();
      });
      source.on('error', () => resolve());
      source.on('close', () => resolve());
    });
    source.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      if (stdin && !stdin.write(chunk)) {
        source.pause();
        stdin.once('drain', () => source.resume());
      }
    });
    const out: Buffer[] = [];
    run.child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    const outcome = await Promise.race([
      Promise.all([ended, sourceDone]).then(([, done]) => done),
      run.exited.then(() => ({ ok: false, message: 'restic ended before the dump' })),
    ]);
    if (outcome.ok && sourceEnded) stdin?.end();
    else run.kill();
    const { code, signal: killed } = await run.exited;
    if (givenUp) throw new ResticError(givenUp, `backup: ${EXPLAIN[givenUp]}`);
    if (!outcome.ok && code !== 0) {
      // The dump failed (or restic died first): report whichever is the cause.
      if (outcome.message !== 'restic ended before the dump')
        throw new ResticError(
          'DumpFailed',
          redact(`backup: ${EXPLAIN.DumpFailed}: ${outcome.message ?? ''}`, this.secrets),
        );
    }
    if (code !== 0) throw this.fail(childFailure('restic backup', run, code, killed), 'backup');
    const summary = Buffer.concat(out)
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((m) => m.message_type === 'summary');
    if (!summary || typeof summary.snapshot_id !== 'string')
      throw new ResticError('ResticFailed', 'backup: restic reported no snapshot');
    // restic 0.14 reports the short id: record the full one.
    const full = await this.snapshotById(summary.snapshot_id, signal);
    return {
      snapshotId: full?.id ?? summary.snapshot_id,
      size: Number(summary.total_bytes_processed ?? 0),
      dataAdded: Number(summary.data_added ?? 0),
      sha256: hash.digest('hex'),
      durationMs: Date.now() - started,
    };
  }

  /**
   * Streams the file `filename` of snapshot `id` to `sink` (a restore's stdin) and returns its
   * sha256; `sinkDone` resolves when the consumer has exited.
   */
  async dumpTo(
    id: string,
    filename: string,
    sink: NodeJS.WritableStream | undefined,
    signal?: AbortSignal,
  ): Promise<{ sha256: string; bytes: number }> {
    const run = startChild('restic', [...this.globalArgs(), 'dump', id, `/${filename}`], {
      env: this.env,
      secrets: this.secrets,
      timeoutMs: this.timeoutMs,
      ...this.unlockIfOrphaned(['dump']),
      ...(signal ? { signal } : {}),
    });
    run.child.stdin?.end();
    const hash = createHash('sha256');
    let bytes = 0;
    run.child.stdout?.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (sink && !sink.write(chunk)) {
        run.child.stdout?.pause();
        sink.once('drain', () => run.child.stdout?.resume());
      }
    });
    const { code, signal: killed } = await run.exited;
    if (code !== 0)
      throw this.fail(childFailure('restic dump', run, code, killed), 'read snapshot');
    return { sha256: hash.digest('hex'), bytes };
  }

  /** Re-reads a snapshot and compares it with the sha256 of what was written. */
  async verify(
    id: string,
    filename: string,
    sha256: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const read = await this.dumpTo(id, filename, undefined, signal);
    return read.sha256 === sha256;
  }

  /** `restic check`: the repository's structure is consistent. */
  async check(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.run(['check'], 'check repository', signal);
      return true;
    } catch (error) {
      if (error instanceof ResticError && error.reason === 'ResticFailed') return false;
      throw error;
    }
  }

  /** `forget --keep-last N [--keep-daily ...] --prune` over all snapshots as one group. */
  async forgetKeep(
    keep: {
      last?: number;
      hourly?: number;
      daily?: number;
      weekly?: number;
      monthly?: number;
      yearly?: number;
    },
    signal?: AbortSignal,
  ): Promise<void> {
    const args = ['forget', '--group-by', '', '--prune'];
    for (const [key, value] of Object.entries(keep)) {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
        args.push(`--keep-${key}`, String(Math.floor(value)));
    }
    if (args.length === 4) return; // nothing to keep-by: restic would refuse
    await this.run(args, 'apply retention', signal);
  }

  /** Forgets the given snapshots and prunes their data. */
  async forgetIds(ids: string[], signal?: AbortSignal): Promise<void> {
    if (ids.length === 0) return;
    await this.run(['forget', '--prune', ...ids], 'forget snapshots', signal);
  }
}
