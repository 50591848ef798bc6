/**
 * A simulator process for the kill -9 test: a `dataPlane: 'real'` cluster with one PostgreSQL
 * holding some data and a BackupConfiguration to the S3 given in the environment
 * (BK_S3_ENDPOINT, BK_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, BK_REPO, BK_DIR).
 * Prints `ready` when the database is Ready and `backing-up` when the BackupSession runs; the test
 * then kills this process with SIGKILL.
 */
import { startSimCluster } from '../../sim/index';
import { phaseOf, waitFor } from '../../sim/operator/test-support';
import {
  ENC_PASSWORD,
  backupConfiguration,
  createDatabase,
  readyDatabase,
  retention,
  secret,
  sql,
  storage,
} from './backup-cluster';

const env = process.env;
const NS = 'killed';
const cluster = await startSimCluster({
  speed: 20,
  dataPlane: 'real',
  dataPlaneDir: env.BK_DIR ?? '',
});
const state = cluster.state;
state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
state.create(
  secret(NS, 's3-keys', {
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? '',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? '',
  }),
);
state.create(secret(NS, 'restic-enc', { RESTIC_PASSWORD: ENC_PASSWORD }));
state.create(storage(NS, 's3', env.BK_S3_ENDPOINT ?? '', env.BK_S3_BUCKET ?? '', 's3-keys'));
state.create(retention(NS, 'keep-2', 2));
createDatabase(cluster, NS, 'Postgres', 'victim');
await readyDatabase(cluster, NS, 'Postgres', 'victim');
await sql(
  cluster,
  NS,
  'Postgres',
  'victim',
  'CREATE TABLE blob AS SELECT g AS id, repeat(md5(g::text), 8) AS v FROM generate_series(1, 300000) g',
);
process.stdout.write('ready\n');
state.create(
  backupConfiguration(NS, 'victim-bc', 'Postgres', 'victim', 's3', env.BK_REPO ?? 'repo'),
);
await waitFor(
  () =>
    state
      .list('core.kubestash.com/v1alpha1', 'BackupSession', { namespace: NS })
      .some((s) => phaseOf(s) === 'Running'),
  'a running BackupSession',
  120_000,
  20,
);
process.stdout.write('backing-up\n');
setInterval(() => undefined, 1 << 30);
