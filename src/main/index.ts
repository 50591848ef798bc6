/**
 * Electron's entry point. Kept to wiring: the logic lives in app.ts and is tested with an injected
 * electron, because the Electron binary cannot run on the build machines.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as electron from 'electron';
import { loadConfig } from '../../engine/config';
import { createEngine, openSecretVault } from '../../engine/engine';
import { startDesktop } from './app';
import { kubeconfigPaths } from './local-kubeconfig';

const bundleDir = dirname(fileURLToPath(import.meta.url));
// The desktop keeps its secrets in the OS keychain unless DBAAS_VAULT says otherwise.
const vault = process.env.DBAAS_VAULT ? undefined : 'keytar';

startDesktop({
  electron,
  bundleDir,
  devServerUrl: process.env.ELECTRON_RENDERER_URL,
  openEngine: (dataDir, desktopIdentityToken, settings) =>
    createEngine(
      loadConfig(process.env, {
        mode: 'desktop',
        dataDir,
        desktopIdentityToken,
        vault,
        ...settings,
      }),
    ),
  kubeconfigPaths: () => kubeconfigPaths(process.env),
  openSettingsVault: (dataDir) =>
    openSecretVault(loadConfig(process.env, { mode: 'desktop', dataDir, vault })),
}).catch((error: unknown) => {
  process.stderr.write(`the console failed to start: ${(error as Error).message}\n`);
  electron.app.quit();
});
