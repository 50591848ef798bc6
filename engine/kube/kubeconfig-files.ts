import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/**
 * Reads the local files a kubeconfig names, where the policy allows that (the desktop, or a daemon
 * started with DBAAS_ALLOW_EXEC_AUTH). Never `readFileSync`: the read is asynchronous, opened with
 * O_NONBLOCK so a FIFO cannot hold a thread, refused unless it is a regular file (no FIFO, device,
 * socket or directory) and bounded in size. Tests inject their own reader to count reads.
 */
export type ReferencedFileReader = (path: string) => Promise<Buffer>;

export const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;

export class ReferencedFileError extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'ReferencedFileError';
  }
}

const NONBLOCK = (constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

export const readReferencedFile: ReferencedFileReader = async (path) => {
  if (!isAbsolute(path)) throw new ReferencedFileError('the path is not absolute');
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NONBLOCK);
  } catch {
    // One answer for missing, unreadable and forbidden paths alike.
    throw new ReferencedFileError('the file cannot be read');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ReferencedFileError('it is not a regular file');
    if (stat.size > MAX_REFERENCED_FILE_BYTES)
      throw new ReferencedFileError(`it is larger than ${MAX_REFERENCED_FILE_BYTES} bytes`);
    // Read to the bound, not to `stat.size`: some regular files (/proc) report a size of 0.
    const buffer = Buffer.alloc(MAX_REFERENCED_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_REFERENCED_FILE_BYTES)
      throw new ReferencedFileError(`it is larger than ${MAX_REFERENCED_FILE_BYTES} bytes`);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof ReferencedFileError) throw error;
    throw new ReferencedFileError('the file cannot be read');
  } finally {
    await handle.close().catch(() => undefined);
  }
};
