import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../base/errors';
import { openSqliteStore } from '../../store/sqlite';
import { runQueueConformance } from '../conformance/queue-conformance';
import { Recorder, SettledLog } from '../conformance/harness';
import { applyQueueMigrations, QUEUE_MIGRATIONS } from './migrations';
import { openSqliteOperationQueue } from './sqlite-queue';

const LEASE_MS = 1000;
let root: string;
const fileOf = (name: string): string => join(root, name, 'queue.db');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sqlite-queue-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runQueueConformance(
  'sqlite file',
  (name) =>
    openSqliteOperationQueue(
      { file: fileOf(name) },
      { leaseMs: LEASE_MS, pollMs: 20, stopTimeoutMs: 500 },
    ),
  { leaseMs: LEASE_MS },
);

describe('sqlite queue', () => {
  it('uses WAL and its own tables beside the engine store in one file', async () => {
    const file = fileOf('shared-with-store');
    const store = await openSqliteStore({ file });
    const queue = await openSqliteOperationQueue({ file }, { pollMs: 20 });
    const settled = new SettledLog();
    settled.watch(queue, 'a');
    queue.start(new Recorder(() => ({ outcome: 'done' })).handler('a'));
    await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
    await settled.waitFor(['op-1']);
    await store.ping();
    await queue.close();
    await store.close();
    const db = new BetterSqlite3(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM operation_queue_migrations').all()).toEqual([
      { version: 1 },
    ]);
    expect(
      db.prepare("SELECT state FROM operation_queue_jobs WHERE operation_id = 'op-1'").get(),
    ).toEqual({ state: 'done' });
    expect(applyQueueMigrations(db)).toEqual([]);
    db.close();
  });

  it('runs in memory', async () => {
    const queue = await openSqliteOperationQueue({ memory: true }, { pollMs: 20 });
    const settled = new SettledLog();
    settled.watch(queue, 'a');
    queue.start(new Recorder(() => ({ outcome: 'done' })).handler('a'));
    await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
    await settled.waitFor(['op-1']);
    await queue.close();
  });

  it('refuses a file whose queue schema is newer than the engine', async () => {
    const file = fileOf('newer-schema');
    await (await openSqliteOperationQueue({ file })).close();
    const db = new BetterSqlite3(file);
    applyQueueMigrations(db, [
      ...QUEUE_MIGRATIONS,
      { version: QUEUE_MIGRATIONS.length + 1, name: 'future', sql: 'SELECT 1;' },
    ]);
    db.close();
    const error = await openSqliteOperationQueue({ file }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/newer than this engine/);
  });

  it('forgets finished jobs after the retention time', async () => {
    const file = fileOf('retention');
    const queue = await openSqliteOperationQueue({ file }, { pollMs: 20, retainFinishedMs: 0 });
    const settled = new SettledLog();
    settled.watch(queue, 'a');
    queue.start(new Recorder(() => ({ outcome: 'done' })).handler('a'));
    await queue.enqueue({ operationId: 'op-1', key: 'db-1' });
    await settled.waitFor(['op-1']);
    await queue.close();
    const reopened = await openSqliteOperationQueue({ file }, { pollMs: 20, retainFinishedMs: 0 });
    const again = new SettledLog();
    again.watch(reopened, 'b');
    reopened.start(new Recorder(() => ({ outcome: 'done' })).handler('b'));
    await reopened.enqueue({ operationId: 'op-2', key: 'db-1' });
    await again.waitFor(['op-2']);
    await reopened.close();
    const db = new BetterSqlite3(file);
    expect(
      db
        .prepare("SELECT COUNT(*) AS n FROM operation_queue_jobs WHERE operation_id = 'op-1'")
        .get(),
    ).toEqual({ n: 0 });
    db.close();
  });
});
