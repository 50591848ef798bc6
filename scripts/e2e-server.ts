/**
 * The server of the end-to-end run: two simulated KubeDB clusters (with the real CRDs, found as
 * sim/crds.ts says: --crds DIR, KUBEDB_CRDS_DIR, ../shared/kubedb/crds beside the checkout) and the engine daemon with a known admin password, serving the built
 * renderer. Playwright's webServer starts it:
 *
 *   node --import tsx scripts/e2e-server.ts --port 18437 [--data-dir DIR] [--info-file FILE] [--crds DIR]
 *
 * Nothing is registered: the tests add a cluster through the console. What the tests need (the
 * daemon URL, the admin password, each simulator's URL and kubeconfig) goes to the info file
 * (default test-results/e2e-env.json).
 * Prints `engine ready on URL` once everything listens.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDaemon } from '../engine/daemon';
import { CrdsNotFoundError, requireCrdsDir } from '../sim/crds';
import { startSimCluster, type SimCluster } from '../sim/index';

/** The admin password of the e2e daemon (tests sign in with it). */
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password-0123';

/** What the e2e server tells the tests. */
export interface E2eEnv {
  url: string;
  adminPassword: string;
  clusters: { name: string; url: string; kubeconfig: string }[];
}

const ROOT = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '18437' },
      'data-dir': { type: 'string' },
      'info-file': { type: 'string', default: join(ROOT, 'test-results', 'e2e-env.json') },
      speed: { type: 'string', default: '20' },
      crds: { type: 'string' },
    },
  });
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('the renderer is not built: run `npx electron-vite build` first');
  }
  const crdsDir = requireCrdsDir({ flag: values.crds, env: process.env });
  const speed = Number(values.speed);
  const sims: SimCluster[] = [];
  for (const name of ['east', 'west']) sims.push(await startSimCluster({ name, speed, crdsDir }));

  const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'dbaas-e2e-'));
  if (values['data-dir']) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
  const { engine, url } = await runDaemon(
    [
      '--port',
      values.port,
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--renderer-dir',
      join(ROOT, 'out', 'renderer'),
    ],
    {
      ...process.env,
      DBAAS_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES: 'true',
      DBAAS_VAULT: 'file',
      DBAAS_LOG_LEVEL: process.env.DBAAS_LOG_LEVEL ?? 'warn',
      DBAAS_RATE_LIMIT_READS_PER_MINUTE: '1000',
      DBAAS_RATE_LIMIT_WRITES_PER_MINUTE: '600',
      DBAAS_RATE_LIMIT_BULK_PER_MINUTE: '100',
      DBAAS_PROVIDER_HEALTH_INTERVAL_MS: '5000',
    },
  );
  const env: E2eEnv = {
    url,
    adminPassword: E2E_ADMIN_PASSWORD,
    clusters: sims.map((sim, i) => ({
      name: ['east', 'west'][i]!,
      url: sim.url,
      kubeconfig: sim.kubeconfig,
    })),
  };
  mkdirSync(dirname(values['info-file']), { recursive: true });
  writeFileSync(values['info-file'], JSON.stringify(env, null, 2));
  process.stdout.write(`engine ready on ${url}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void engine
      .stop()
      .then(() => Promise.all(sims.map((sim) => sim.stop())))
      .finally(() => {
        if (!values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // The missing-CRDs line says what to do; a stack would only hide it.
  const detail = error instanceof CrdsNotFoundError ? error.message : (error as Error).stack;
  process.stderr.write(`e2e server failed to start: ${detail ?? String(error)}\n`);
  process.exit(1);
});
