// npm start: the desktop app. Builds the bundles, then launches Electron when its binary exists.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { ensureSetup } from './lib/setup.mjs';

ensureSetup();
let binary = null;
try {
  // The electron package exports the path of its binary; the path exists only when it was downloaded.
  binary = createRequire(import.meta.url)('electron');
} catch {
  binary = null;
}
if (typeof binary !== 'string' || !existsSync(binary)) {
  process.stdout.write(
    'The Electron binary is not installed on this machine (it cannot be downloaded here), so the desktop app cannot open; run `npm run serve` for the same engine and console in a browser.\n',
  );
  process.exit(1);
}
const built = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const child = spawn('npx', ['electron-vite', 'preview'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
