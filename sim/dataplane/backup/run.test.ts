/**
 * Real dumps and restores (PostgreSQL, MariaDB, Redis processes) through restic: rows written,
 * backed up, deleted, restored in place and into a second server, compared by a checksum query.
 * The repository is a local directory here; test/integration/sim-backup-real.test.ts does the same
 * through the operator against the Ceph S3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/backup-servers';
import type { RealEngine } from '../../core/data-plane';
import { Restic } from './restic';
import { backupInstance, restoreInstance } from './run';

const dir = mkdtempSync(join(tmpdir(), 'backup-run-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.remove();
  rmSync(dir, { recursive: true, force: true });
});

const io = { timeoutMs: 120_000 };

const write: Record<RealEngine, string> = {
  postgres:
    'CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 5000) g;',
  mariadb:
    'CREATE DATABASE shop; CREATE TABLE shop.items (id int PRIMARY KEY, v text); USE shop; INSERT INTO items SELECT seq, MD5(seq) FROM seq_1_to_5000;',
  redis: `MSET ${Array.from({ length: 200 }, (_, i) => `key:${i} value-${i * 7}`).join(' ')}`,
};
const remove: Record<RealEngine, string> = {
  postgres: 'DELETE FROM items WHERE id % 2 = 0;',
  mariadb: 'DELETE FROM shop.items WHERE id % 2 = 0;',
  redis: 'FLUSHALL',
};

function checksum(engine: RealEngine, s: TestServer): string {
  if (engine === 'postgres')
    return s
      .query(
        "SELECT count(*) || ':' || md5(string_agg(id || '=' || v, ',' ORDER BY id)) FROM items",
      )
      .trim();
  if (engine === 'mariadb')
    return s
      .query(
        "SET SESSION group_concat_max_len = 1000000; SELECT CONCAT(COUNT(*), ':', MD5(GROUP_CONCAT(id, '=', v ORDER BY id))) FROM shop.items;",
      )
      .trim();
  const keys = Array.from({ length: 200 }, (_, i) => `key:${i}`).join(' ');
  return `${s.query('DBSIZE').trim()}:${s.query(`MGET ${keys}`).replace(/\s+/g, ',')}`;
}

describe.each(['postgres', 'mariadb', 'redis'] as RealEngine[])(
  '%s backup and restore',
  (engine) => {
    it('rows written, backed up, deleted, restored in place and into a new server', async () => {
      const source = await startTestServer(engine, `src-${engine}`);
      servers.push(source);
      source.query(write[engine]);
      const before = checksum(engine, source);
      expect(before).toMatch(/^(5000|200):/);
      const restic = new Restic(
        {
          repository: join(dir, engine),
          accessKeyId: '',
          secretAccessKey: '',
          password: 'pw-repo-1',
        },
        { timeoutMs: 120_000 },
      );
      await restic.ensure();
      const backup = await backupInstance(source.info, restic, [`engine=${engine}`], io);
      expect(backup.integrity).toBe(true);
      expect(backup.size).toBeGreaterThan(1000);
      source.query(remove[engine]);
      expect(checksum(engine, source)).not.toBe(before);
      const restart = { stop: source.stop, start: source.start };
      await restoreInstance(source.info, restic, backup.snapshotId, { ...io, restart });
      expect(checksum(engine, source)).toBe(before);

      const copy = await startTestServer(engine, `copy-${engine}`);
      servers.push(copy);
      await restoreInstance(copy.info, restic, backup.snapshotId, {
        ...io,
        restart: { stop: copy.stop, start: copy.start },
      });
      expect(checksum(engine, copy)).toBe(before);
      // The target keeps its own credentials.
      expect(copy.query(engine === 'redis' ? 'PING' : 'SELECT 1').trim()).toMatch(/^(1|PONG)$/);
    }, 180_000);
  },
);
