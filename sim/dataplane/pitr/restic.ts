/**
 * restic against the archiver's repository (the BackupStorage's S3 bucket and prefix): the WAL
 * segments and the base backups of one database live in one repository, encrypted with the
 * archiver's encryption secret. Every call uses `--no-cache`, so the tool can run as the data
 * directory's owner without a home directory.
 */
import type { ResticTarget } from '../../core/data-plane';
import { runTool, ToolError, type RunAs } from './exec';

export const RESTIC = 'restic';

/** The environment restic reads its repository and credentials from. */
export function resticEnv(target: ResticTarget): Record<string, string> {
  return {
    RESTIC_REPOSITORY: target.repository,
    RESTIC_PASSWORD: target.password,
    AWS_ACCESS_KEY_ID: target.accessKeyId,
    AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
  };
}

export function secretsOf(target: ResticTarget): string[] {
  return [target.password, target.secretAccessKey];
}

export interface ResticCall {
  runAs?: RunAs;
  cwd?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function restic(
  target: ResticTarget,
  args: string[],
  call: ResticCall = {},
): Promise<string> {
  return runTool(RESTIC, [...args, '--no-cache'], {
    env: resticEnv(target),
    secrets: secretsOf(target),
    timeoutMs: call.timeoutMs ?? 10 * 60_000,
    ...call,
  });
}

const initialising = new Map<string, Promise<void>>();

/** Creates the repository unless it exists (once per repository in this process at a time). */
export function ensureRepository(target: ResticTarget, call: ResticCall = {}): Promise<void> {
  const key = target.repository;
  const running = initialising.get(key);
  if (running) return running;
  const work = (async () => {
    try {
      await restic(target, ['cat', 'config'], call);
    } catch (error) {
      if (!(error instanceof ToolError) || !/repository|config|not exist/i.test(error.stderr)) {
        throw error;
      }
      await restic(target, ['init'], call);
    }
  })().finally(() => initialising.delete(key));
  initialising.set(key, work);
  return work;
}

/** One restic snapshot as `restic snapshots --json` lists it. */
export interface ResticSnapshot {
  id: string;
  short_id: string;
  time: string;
  hostname: string;
  tags?: string[];
  paths: string[];
}

export async function listSnapshots(
  target: ResticTarget,
  filter: { host?: string; tag?: string },
  call: ResticCall = {},
): Promise<ResticSnapshot[]> {
  const args = ['snapshots', '--json'];
  if (filter.host) args.push('--host', filter.host);
  if (filter.tag) args.push('--tag', filter.tag);
  const out = await restic(target, args, call);
  const parsed: unknown = JSON.parse(out.trim() || '[]');
  return Array.isArray(parsed) ? (parsed as ResticSnapshot[]) : [];
}

/** The value of a `key=value` tag. */
export function tagValue(snapshot: ResticSnapshot, key: string): string | undefined {
  const prefix = `${key}=`;
  return snapshot.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

/** The snapshot id in the summary line of `restic backup --json`. */
export function snapshotIdOf(backupJson: string): string {
  for (const line of backupJson.trim().split('\n').reverse()) {
    try {
      const message = JSON.parse(line) as { message_type?: string; snapshot_id?: string };
      if (message.message_type === 'summary' && message.snapshot_id) return message.snapshot_id;
    } catch {
      // progress lines of older restic versions are not JSON objects
    }
  }
  throw new Error('restic backup printed no snapshot id');
}
