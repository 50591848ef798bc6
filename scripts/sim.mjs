// npm run sim: simulated KubeDB clusters from the command line (sim/cli.ts; its flags, e.g.
// --clusters 2 --crds DIR --kubeconfig-out FILE --data-plane real). Installs what it needs first,
// like every entry. The simulator runs under `setpriv --pdeathsig KILL` where the machine has it, so
// that it (and the real database processes it supervises) dies with this script even on SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureSetup } from './lib/setup.mjs';

ensureSetup();
const sim = [process.execPath, '--import', 'tsx', 'sim/cli.ts', ...process.argv.slice(2)];
const [command, ...args] = existsSync('/usr/bin/setpriv')
  ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', ...sim]
  : sim;
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
