import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store';
import { startWalCheckpointer } from './wal-checkpointer';

const samples = (n: number, t: number) =>
  Array.from({ length: n }, (_, i) => ({
    databaseId: `db-${(i * 7919) % n}`,
    t,
    name: 'cpu',
    value: i,
  }));

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WAL checkpoints off the event loop', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("the store's connection never checkpoints; the worker folds the WAL into the file", async () => {
    const file = join(dir, 'engine.sqlite');
    const store = await openSqliteStore({ file, checkpointIntervalMs: 50 });
    const before = statSync(file).size;
    for (let pass = 0; pass < 5; pass++) await store.metrics.append(samples(2000, pass));
    // Only a checkpoint moves pages from the WAL into the database file.
    await until(() => statSync(file).size > before + 100_000, 'the database file to grow');
    await store.close();
    // The worker's connection, closed last, folded in the rest and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new BetterSqlite3(file, { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS n FROM metric_samples').get()).toEqual({
      n: 10_000,
    });
    reopened.close();
  });

  it('reports each checkpoint, and stops once even when asked twice', async () => {
    const file = join(dir, 'plain.sqlite');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run('x'.repeat(100));
    })();
    const checkpointer = startWalCheckpointer(file, 20);
    const result = await checkpointer.nextCheckpoint();
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    db.close();
    await Promise.all([checkpointer.stop(), checkpointer.stop()]);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
