import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../base/errors';
import { runStoreConformance } from '../conformance/store-conformance';
import { Fixtures } from '../conformance/fixtures';
import { applyMigrations, MIGRATIONS, type Migration } from './migrations';
import { openSqliteStore } from './sqlite-store';

let root: string;
let counter = 0;
const nextFile = (): string => join(root, `store-${(counter += 1)}`, 'engine.db');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sqlite-store-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runStoreConformance('sqlite file', () => openSqliteStore({ file: nextFile() }), {
  atomicTransactions: true,
});

describe('sqlite store', () => {
  it('runs in memory too', async () => {
    const store = await openSqliteStore({ memory: true });
    const domain = await store.domains.create(new Fixtures(Date.now()).domain());
    expect(await store.domains.get(domain.id)).toEqual(domain);
    await store.close();
  });

  it('creates the file and its WAL and shared-memory files owner-only (0600), even under umask 0', async () => {
    const file = nextFile();
    const previous = process.umask(0);
    let store;
    try {
      store = await openSqliteStore({ file });
      await store.users.create(new Fixtures().user());
      const mode = (path: string) => statSync(path).mode & 0o777;
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(true);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(mode(path), path).toBe(0o600);
    } finally {
      process.umask(previous);
      await store?.close();
    }
  });

  it('narrows an existing world-readable store file to 0600 when it opens', async () => {
    const file = nextFile();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const store = await openSqliteStore({ file });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('uses WAL, a busy timeout and foreign keys on a file', async () => {
    const file = nextFile();
    const store = await openSqliteStore({ file, busyTimeoutMs: 1234 });
    await store.close();
    const db = new BetterSqlite3(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('applies each migration once and keeps data across reopening', async () => {
    const file = nextFile();
    const fx = new Fixtures(Date.now());
    const first = await openSqliteStore({ file });
    const database = await first.databases.create(fx.database({ name: 'orders' }));
    await first.close();

    const extra: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'a later step',
      sql: 'CREATE TABLE later_step (id INTEGER PRIMARY KEY); INSERT INTO later_step DEFAULT VALUES;',
    };
    const second = await openSqliteStore({ file, migrations: [...MIGRATIONS, extra] });
    expect(await second.databases.findByName('acme', 'shop', 'orders')).toEqual(database);
    await second.close();
    const third = await openSqliteStore({ file, migrations: [...MIGRATIONS, extra] });
    await third.close();

    const db = new BetterSqlite3(file);
    const versions = db.prepare('SELECT version FROM migrations ORDER BY version').all();
    expect(versions).toEqual(
      [...MIGRATIONS, extra].map((migration) => ({ version: migration.version })),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM later_step').get()).toEqual({ n: 1 });
    expect(applyMigrations(db, [...MIGRATIONS, extra])).toEqual([]);
    db.close();
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const file = nextFile();
    await (await openSqliteStore({ file })).close();
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      sql: 'CREATE TABLE half_done (id INTEGER); SELECT * FROM no_such_table;',
    };
    await expect(
      openSqliteStore({ file, migrations: [...MIGRATIONS, broken] }),
    ).rejects.toBeInstanceOf(EngineError);
    const db = new BetterSqlite3(file);
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get(),
    ).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM migrations').get()).toEqual({
      v: MIGRATIONS.length,
    });
    db.close();
  });

  it('refuses a file whose schema is newer than the engine', async () => {
    const file = nextFile();
    const newer: Migration = { version: MIGRATIONS.length + 1, name: 'future', sql: 'SELECT 1;' };
    await (await openSqliteStore({ file, migrations: [...MIGRATIONS, newer] })).close();
    const error = await openSqliteStore({ file }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/newer than this engine/);
  });

  it('sees the writes of another connection to the same file', async () => {
    const file = nextFile();
    const a = await openSqliteStore({ file });
    const b = await openSqliteStore({ file });
    const domain = await a.domains.create(new Fixtures(Date.now()).domain());
    expect(await b.domains.get(domain.id)).toEqual(domain);
    await a.close();
    await b.close();
  });
});
