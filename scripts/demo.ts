/**
 * npm run demo: the engine daemon plus one sandbox simulator cluster, registered as the provider
 * "sandbox", with a few sample databases created through the engine (so the console shows them)
 * and a few created directly on the cluster (as another team's kubectl would).
 *
 * Flags: the daemon's (--port, --host, --data-dir), and --crds DIR; the data dir defaults to a
 * fresh temporary folder, since the sandbox cluster is new on every run. The CRDs are found as
 * sim/crds.ts says; without them the sandbox runs with the simulator's permissive built-in kinds,
 * and says so. The sandbox's kubeconfig is written into the data dir, and the kubectl line to use
 * it is printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDaemon } from '../engine/daemon';
import { crdsOrBuiltIn } from '../sim/crds';
import { startSimCluster } from '../sim/index';
import { DEMO_BUCKET, createDemoBucket, seedSampleRows, startDemoS3 } from './demo-data';

const SAMPLES = [
  { name: 'orders', engine: 'postgres', version: '16.4', mode: 'cluster', project: 'shop' },
  { name: 'sessions', engine: 'redis', version: '7.4.6', mode: 'standalone', project: 'shop' },
  { name: 'catalog', engine: 'mongodb', version: '7.0.8', mode: 'replicaset', project: 'shop' },
  {
    name: 'ledger',
    engine: 'mysql',
    version: '8.4.2',
    mode: 'group-replication',
    project: 'finance',
  },
];

/** Which engines run for real in the sandbox, in one phrase. */
function describePlane(sandbox: {
  dataPlane?: { available(e: 'postgres' | 'mariadb' | 'redis'): boolean };
}): string {
  if (!sandbox.dataPlane) return 'simulated';
  const real = (['postgres', 'mariadb', 'redis'] as const).filter((e) =>
    sandbox.dataPlane!.available(e),
  );
  return real.length === 0
    ? 'simulated (no PostgreSQL, MariaDB or Redis server on this machine)'
    : `real ${real.join(', ')}; MongoDB and Elasticsearch simulated`;
}

/** Takes `--NAME VALUE` or `--NAME=VALUE` out of `args`; returns its value. */
function takeFlag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const [arg] = args.splice(i, 1);
  if (arg!.includes('=')) return arg!.slice(arg!.indexOf('=') + 1);
  return args.splice(i, 1)[0];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // The pinned AWS SDK's notice that its 2027 releases need Node 22 (see engine/daemon.ts).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const crds = crdsOrBuiltIn({ flag: takeFlag(args, 'crds'), env: process.env });
  if (crds.notice) process.stdout.write(`${crds.notice}\n`);
  const dataDir = resolve(takeFlag(args, 'data-dir') ?? mkdtempSync(join(tmpdir(), 'dbaas-demo-')));
  // Real PostgreSQL, MariaDB and Redis servers behind the sandbox's pods, and a real S3, where the
  // machine has them (`--data-plane simulated` turns the servers off).
  const dataPlane = takeFlag(args, 'data-plane') === 'simulated' ? 'simulated' : 'real';
  const s3Starting = startDemoS3(join(dataDir, 's3'));
  const sandbox = await startSimCluster({
    name: 'sandbox',
    speed: 5,
    databases: 3,
    dataPlane,
    dataPlaneDir: join(dataDir, 'data-plane'),
    ...(crds.crdsDir ? { crdsDir: crds.crdsDir } : {}),
  });
  process.stdout.write(
    `sim ready: sandbox ${sandbox.url} (data plane: ${describePlane(sandbox)})\n`,
  );
  const s3 = await s3Starting;
  // The sandbox listens on loopback, which the daemon refuses by default (SSRF guard).
  const { engine } = await runDaemon([...args, '--data-dir', dataDir], {
    ...process.env,
    DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES: 'true',
  });
  const provider = await engine.services.providers.create({
    name: 'sandbox',
    kubeconfig: sandbox.kubeconfig,
    region: 'local',
  });
  // The demo S3 as the product's backup storage, and an hourly backup policy on `orders`.
  let storageId: string | undefined;
  if (s3) {
    try {
      await createDemoBucket(s3);
      const storage = await engine.services.backups.storages.create({
        name: 'demo-s3',
        type: 's3',
        bucket: DEMO_BUCKET,
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      });
      storageId = storage.id;
      process.stdout.write(`backup storage: demo-s3 (bucket ${DEMO_BUCKET} at ${s3.endpoint})\n`);
    } catch (error) {
      process.stdout.write(`backup storage not configured: ${(error as Error).message}\n`);
    }
  }
  for (const sample of SAMPLES) {
    await engine.services.databases.create({
      ...sample,
      ...(storageId && sample.name === 'orders'
        ? { backup: { schedule: '0 * * * *', retentionDays: 7, storageId } }
        : {}),
      domain: 'acme',
      storage: { size: '10Gi', storageClass: 'standard' },
      providerId: provider.id,
    });
  }
  const seeding = new AbortController();
  if (sandbox.dataPlane)
    void seedSampleRows(
      sandbox.dataPlane,
      [
        { kind: 'Postgres', name: 'orders' },
        { kind: 'MySQL', name: 'ledger' },
      ],
      seeding.signal,
    );
  const kubeconfigPath = join(dataDir, 'sandbox.kubeconfig');
  writeFileSync(kubeconfigPath, sandbox.kubeconfig, { mode: 0o600 });
  process.stdout.write(
    `sandbox kubeconfig: ${kubeconfigPath}\n  kubectl --kubeconfig ${kubeconfigPath} get postgres,mongodb,redis,mysql -A\n`,
  );
  const address = engine.api.server.address();
  const port = typeof address === 'object' && address ? address.port : engine.config.port;
  process.stdout.write(`engine ready on http://${engine.config.host}:${port}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    seeding.abort();
    void engine
      .stop()
      .then(() => sandbox.stop())
      .then(() => s3?.stop())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
