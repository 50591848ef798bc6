/**
 * npm run demo: the engine daemon plus one sandbox simulator cluster, registered as the provider
 * "sandbox", with a few sample databases created through the engine (so the console shows them)
 * and a few created directly on the cluster (as another team's kubectl would).
 *
 * Flags: the daemon's (--port, --host, --data-dir); the data dir defaults to a fresh temporary
 * folder, since the sandbox cluster is new on every run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDaemon } from '../engine/daemon';
import { startSimCluster } from '../sim/index';

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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const crdsDir = resolve(import.meta.dirname, '../../shared/kubedb/crds');
  const sandbox = await startSimCluster({
    name: 'sandbox',
    speed: 5,
    databases: 3,
    ...((await exists(crdsDir)) ? { crdsDir } : {}),
  });
  process.stdout.write(`sim ready: sandbox ${sandbox.url}\n`);

  const hasDataDir = args.some((a) => a === '--data-dir' || a.startsWith('--data-dir='));
  const dataArgs = hasDataDir ? [] : ['--data-dir', mkdtempSync(join(tmpdir(), 'dbaas-demo-'))];
  // The sandbox listens on loopback, which the daemon refuses by default (SSRF guard).
  const { engine } = await runDaemon([...args, ...dataArgs], {
    ...process.env,
    DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES: 'true',
  });
  const provider = await engine.services.providers.create({
    name: 'sandbox',
    kubeconfig: sandbox.kubeconfig,
    region: 'local',
  });
  for (const sample of SAMPLES) {
    await engine.services.databases.create({
      ...sample,
      domain: 'acme',
      storage: { size: '10Gi', storageClass: 'standard' },
      providerId: provider.id,
    });
  }
  const address = engine.api.server.address();
  const port = typeof address === 'object' && address ? address.port : engine.config.port;
  process.stdout.write(`engine ready on http://${engine.config.host}:${port}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void engine
      .stop()
      .then(() => sandbox.stop())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
