/**
 * One backup or restore of a real instance through restic: the dump streamed into a snapshot and
 * verified by reading it back, or a snapshot streamed into the instance.
 */
import { createWriteStream } from 'node:fs';
import type { InstanceInfo } from '../../core/data-plane';
import {
  DUMP_FILE,
  restoreRedis,
  startDump,
  startSqlRestore,
  type EngineIo,
  type RedisRestart,
} from './engines';
import { ChildError } from './process';
import { ResticError, type BackupResult, type Restic } from './restic';

export interface InstanceBackup extends BackupResult {
  filename: string;
  /** The snapshot read back from the repository has the sha256 of what was written. */
  integrity: boolean;
}

/** Dumps `instance` into a new snapshot of `restic` (tagged), then verifies it. */
export async function backupInstance(
  instance: InstanceInfo,
  restic: Restic,
  tags: string[],
  io: EngineIo,
): Promise<InstanceBackup> {
  const dump = await startDump(instance, io).catch((error: unknown) => {
    throw new ResticError(
      'DumpFailed',
      `backup: the database dump failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  let result: BackupResult;
  try {
    result = await restic.backupStream(dump.stream, dump.done, dump.filename, tags, io.signal);
  } finally {
    dump.kill();
  }
  const integrity = await restic.verify(result.snapshotId, dump.filename, result.sha256, io.signal);
  return { ...result, filename: dump.filename, integrity };
}

/** Restores snapshot `id` into `instance` (Redis: through `restart`); returns the bytes read. */
export async function restoreInstance(
  instance: InstanceInfo,
  restic: Restic,
  id: string,
  io: EngineIo & { restart?: RedisRestart },
): Promise<{ bytes: number; sha256: string; instance: InstanceInfo }> {
  const filename = DUMP_FILE[instance.engine];
  if (instance.engine === 'redis') {
    if (!io.restart) throw new Error('a Redis restore needs a way to restart the process');
    let read = { bytes: 0, sha256: '' };
    const after = await restoreRedis(instance, io, io.restart, async (path) => {
      const file = createWriteStream(path);
      read = await restic.dumpTo(id, filename, file, io.signal);
      await new Promise<void>((resolve, reject) => {
        file.on('error', reject);
        file.end(() => resolve());
      });
    });
    return { ...read, instance: after };
  }
  const sink = startSqlRestore(instance, io);
  let read: { bytes: number; sha256: string };
  try {
    read = await restic.dumpTo(id, filename, sink.stdin, io.signal);
  } catch (error) {
    sink.abort();
    throw error;
  }
  try {
    await sink.finish();
  } catch (error) {
    throw new ResticError(
      'DumpFailed',
      `restore: loading the dump failed: ${error instanceof ChildError ? error.message : String(error)}`,
    );
  }
  return { ...read, instance };
}
