/**
 * The demo's real data: a private Ceph RADOS Gateway (a real S3) to back up to, and sample rows
 * written into the sandbox's real PostgreSQL and MariaDB (MySQL kind) servers, so that a user who
 * port-forwards to them sees data and a backup holds something.
 *
 * Everything here is optional: on a machine without the packages (or not root on Debian, so that
 * `npm run demo` could not install them) the demo runs with the simulated data plane, and says so.
 */
import { spawn } from 'node:child_process';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { DataPlane, InstanceInfo } from '../sim/core/data-plane';
import { startCephRgw, type CephRgw } from './lib/ceph-rgw.mjs';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function onPath(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', () => resolve(false));
  });
}

/** Starts the demo's S3 when Ceph's gateway is installed; otherwise says why there is none. */
export async function startDemoS3(dataDir: string): Promise<CephRgw | undefined> {
  if (!(await onPath('radosgw'))) {
    say(
      'demo S3: radosgw is not installed, so there is no backup storage (apt-get install radosgw)',
    );
    return undefined;
  }
  try {
    const s3 = await startCephRgw({ dataDir, timeoutMs: 90_000 });
    say(`demo S3 (Ceph RADOS Gateway) ready at ${s3.endpoint} in ${Math.round(s3.startMs)} ms`);
    return s3;
  } catch (error) {
    say(`demo S3 did not start, so there is no backup storage: ${(error as Error).message}`);
    return undefined;
  }
}

/** The demo's bucket, created on the demo S3 (the product's storages need an existing bucket). */
export const DEMO_BUCKET = 'dbaas-demo-backups';

export async function createDemoBucket(s3: CephRgw): Promise<void> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
  } finally {
    client.destroy();
  }
}

/** Runs a client with its password in the environment (never on the command line), bounded. */
function runClient(
  command: string,
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim().slice(-300)}`));
    });
    child.stdin.end(input);
  });
}

const ORDERS_SQL = `
CREATE TABLE IF NOT EXISTS orders (
  id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO orders (customer, total)
  SELECT 'customer-' || g, round((random() * 500)::numeric, 2) FROM generate_series(1, 250) g;
`;

const LEDGER_SQL = `
CREATE DATABASE IF NOT EXISTS ledger;
USE ledger;
CREATE TABLE IF NOT EXISTS entries (
  id INT AUTO_INCREMENT PRIMARY KEY, account VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL,
  booked_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
INSERT INTO entries (account, amount)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
  SELECT CONCAT('acct-', i % 17), ROUND(RAND() * 1000 - 500, 2) FROM n;
`;

async function writeRows(instance: InstanceInfo): Promise<string> {
  if (instance.engine === 'postgres') {
    await runClient(
      'psql',
      ['-h', instance.host, '-p', String(instance.port), '-U', instance.user, '-d', 'postgres'],
      { PGPASSWORD: instance.password, PGCONNECT_TIMEOUT: '10' },
      `\\set ON_ERROR_STOP on\n${ORDERS_SQL}`,
    );
    return 'table orders (250 rows) in database postgres';
  }
  await runClient(
    'mariadb',
    ['-h', instance.host, '-P', String(instance.port), '-u', instance.user],
    { MYSQL_PWD: instance.password },
    LEDGER_SQL,
  );
  return 'table ledger.entries (250 rows)';
}

/**
 * Waits (bounded) until the real primaries of the named databases run, then writes sample rows
 * into each once. Stops waiting when `signal` aborts.
 */
export async function seedSampleRows(
  dataPlane: DataPlane,
  databases: { kind: string; name: string }[],
  signal: AbortSignal,
  timeoutMs = 180_000,
): Promise<void> {
  const pending = new Map(databases.map((d) => [`${d.kind}/${d.name}`, d]));
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  while (pending.size > 0 && Date.now() < deadline && !signal.aborted) {
    for (const [key, wanted] of pending) {
      const instance = dataPlane.list().find(
        (i) =>
          i.kind === wanted.kind &&
          i.database === wanted.name &&
          i.state === 'running' &&
          !i.standbyOf, // a standby is read-only: the rows go to the primary
      );
      if (!instance || instance.engine === 'redis') continue;
      pending.delete(key);
      try {
        const what = await writeRows(instance);
        say(`sample rows: ${what} of ${wanted.kind} ${instance.namespace}/${wanted.name}`);
      } catch (error) {
        say(`sample rows for ${key} were not written: ${(error as Error).message}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2_000);
  }
  for (const key of pending.keys())
    say(`sample rows for ${key} were not written: its real server did not start in time`);
}
