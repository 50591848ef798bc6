import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { OfflineCache } from './index';

/** Answers larger than this are not kept (a huge list would only slow the window's process). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The offline cache in a SQLite file (WAL; one row per URL). */
export function openSqliteOfflineCache(file: string): OfflineCache {
  mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS answers (url TEXT PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)',
  );
  const put = db.prepare(
    'INSERT INTO answers (url, body, at) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET body = excluded.body, at = excluded.at',
  );
  const get = db.prepare<[string], { body: string; at: number }>(
    'SELECT body, at FROM answers WHERE url = ?',
  );
  const prune = db.prepare('DELETE FROM answers WHERE at < ?');
  return {
    put(url, body, at) {
      const text = JSON.stringify(body);
      if (text.length <= MAX_BODY_BYTES) put.run(url, text, at);
    },
    get(url) {
      const row = get.get(url);
      return row ? { body: JSON.parse(row.body) as unknown, at: row.at } : null;
    },
    prune: (before) => prune.run(before).changes,
    close: () => db.close(),
  };
}
