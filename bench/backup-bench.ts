/**
 * Backup and restore time of a ~100 MB PostgreSQL database (pgbench -i -s 7) through restic into
 * a private Ceph RADOS Gateway, with the simulator's own backup modules:
 *
 *   npx tsx bench/backup-bench.ts [--scale 7]
 *
 * Prints one JSON object (database size, dump size, backup / verify / restore seconds).
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Restic } from '../sim/dataplane/backup/restic';
import { backupInstance, restoreInstance } from '../sim/dataplane/backup/run';
import { startTestServer } from '../test/helpers/backup-servers';
import { createBucket, startCephS3 } from '../test/helpers/backup-s3';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '7' } } });
const scale = Number(values.scale);
const s3 = await startCephS3();
const pg = await startTestServer('postgres', 'bench');
try {
  const init = spawnSync(
    '/usr/lib/postgresql/15/bin/pgbench',
    [
      '-i',
      '-s',
      String(scale),
      '-h',
      '127.0.0.1',
      '-p',
      String(pg.info.port),
      '-U',
      'postgres',
      'postgres',
    ],
    { env: { ...process.env, PGPASSWORD: pg.info.password }, encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  const dbBytes = Number(pg.query("SELECT pg_database_size('postgres')").trim());
  const sum = (): string =>
    pg
      .query(
        "SELECT count(*) || ':' || sum(abalance) || ':' || md5(string_agg(aid::text, ',' ORDER BY aid)) FROM pgbench_accounts",
      )
      .trim();
  const before = sum();
  createBucket(s3, 'bench');
  const restic = new Restic(
    {
      repository: `s3:${s3.endpoint}/bench/pg`,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      password: 'bench-password',
    },
    { timeoutMs: 30 * 60_000 },
  );
  await restic.ensure();
  const io = { timeoutMs: 30 * 60_000 };
  const t0 = Date.now();
  const backup = await backupInstance(pg.info, restic, ['bench'], io);
  const backupWithVerify = (Date.now() - t0) / 1000;
  pg.query('DROP TABLE pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history');
  const t1 = Date.now();
  await restoreInstance(pg.info, restic, backup.snapshotId, io);
  const restoreSeconds = (Date.now() - t1) / 1000;
  const after = sum();
  process.stdout.write(
    `${JSON.stringify(
      {
        scale,
        databaseMiB: Math.round(dbBytes / 2 ** 20),
        dumpMiB: Math.round(backup.size / 2 ** 20),
        uploadedMiB: Math.round(backup.dataAdded / 2 ** 20),
        backupSeconds: Math.round(backup.durationMs / 100) / 10,
        backupWithVerifySeconds: Math.round(backupWithVerify * 10) / 10,
        restoreSeconds: Math.round(restoreSeconds * 10) / 10,
        integrity: backup.integrity,
        restoredMatches: before === after,
        cephStartSeconds: Math.round(s3.startMs / 100) / 10,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await pg.remove();
  s3.stop();
}
