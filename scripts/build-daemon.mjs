// Bundles the headless engine into out/daemon/daemon.mjs. Packages stay external: the daemon runs
// next to node_modules, and native drivers (better-sqlite3, keytar) cannot be bundled.
import { build } from 'esbuild';

await build({
  entryPoints: { daemon: 'engine/daemon.ts' },
  outdir: 'out/daemon',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
process.stdout.write('daemon bundle: out/daemon/daemon.mjs\n');
