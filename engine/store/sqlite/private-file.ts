import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Owner read and write only, as the vault's files. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `file` exist with mode 0600 before SQLite opens it, and narrows an older file (and its
 * `-wal`/`-shm` companions) that was created wider. SQLite gives the journal, WAL and shared-memory
 * files the main file's permissions when it creates them, so all of them stay private: the store
 * holds password hashes, API key hashes and the audit trail.
 */
export function preparePrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  // O_CREAT with the mode sets it atomically for a new file (the umask can only narrow it further).
  closeSync(openSync(file, constants.O_RDWR | constants.O_CREAT, PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
