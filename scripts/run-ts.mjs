// Runs a TypeScript entry point with tsx, after making sure npm dependencies are installed.
import { spawn } from 'node:child_process';
import { ensureNodeModules } from './lib/setup.mjs';

ensureNodeModules();
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run-ts.mjs FILE.ts [ARGS...]\n');
  process.exit(2);
}
const child = spawn('npx', ['tsx', entry, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
