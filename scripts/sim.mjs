// npm run sim: simulated KubeDB clusters from the command line (sim/cli.ts; its flags, e.g.
// --clusters 2 --crds DIR --kubeconfig-out FILE). Installs what it needs first, like every entry.
import { spawn } from 'node:child_process';
import { ensureSetup } from './lib/setup.mjs';

ensureSetup();
const child = spawn('npx', ['tsx', 'sim/cli.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
