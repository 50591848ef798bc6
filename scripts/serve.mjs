// npm run serve: the headless engine (flags: --port 8080, --host 127.0.0.1, --data-dir DIR).
// npm run demo:  the same, plus a sandbox simulator cluster with sample databases.
// Both install what they need first and build the console page if it is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEMO_DATA_NEEDS, canInstallSystemPackages, ensureSetup, log } from './lib/setup.mjs';

const args = process.argv.slice(2);
const demo = args.includes('--demo');
const rest = args.filter((a) => a !== '--demo');

// The demo's real databases and S3 come from system packages: installed where we may, otherwise the
// demo says which are missing and runs those parts simulated.
ensureSetup(demo && canInstallSystemPackages() ? DEMO_DATA_NEEDS : []);
if (!existsSync('out/renderer/index.html')) {
  log('building the console page (first run)');
  const built = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const entry = demo ? 'scripts/demo.ts' : 'engine/daemon.ts';
const child = spawn('npx', ['tsx', entry, ...rest], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
