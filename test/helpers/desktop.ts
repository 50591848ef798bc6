/**
 * The desktop's main process with the FAKE electron of ./fake-electron (the Electron binary cannot
 * run here), a real embedded engine (file vault standing in for the keychain) and the page's
 * `window.dbaas` bridge going through main's real IPC handlers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../engine/config';
import { createEngine, openSecretVault } from '../../engine/engine';
import { createLogger } from '../../engine/logging';
import { startDesktop, type Desktop } from '../../src/main/app';
import type { DbaasBridge } from '../../src/shared/ipc';
import { startTestEngine, type TestEngine } from './engine';
import { createFakeElectron } from './fake-electron';

/** The page's address as main's sender check expects it. */
export const DESKTOP_PAGE_URL = 'file:///opt/console/out/renderer/index.html';

export interface TestDesktop {
  desktop: Desktop;
  fake: ReturnType<typeof createFakeElectron>;
  /** What the preload would expose to the page. */
  bridge: DbaasBridge;
  userData: string;
  /** Stops main; `keepData` leaves userData for the next start. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts main on `userData` (a fresh temporary folder unless given); `kubeconfigPaths` stands for
 * the user's own kubeconfig files (none by default).
 */
export async function startTestDesktop(
  userData?: string,
  kubeconfigPaths: string[] = [],
): Promise<TestDesktop> {
  const dir = userData ?? mkdtempSync(join(tmpdir(), 'desktop-'));
  const fake = createFakeElectron(dir);
  const desktop = await startDesktop({
    electron: fake.electron,
    bundleDir: '/opt/console/out/main',
    openEngine: (dataDir, desktopIdentityToken, settings) =>
      createEngine(
        loadConfig(
          {},
          { mode: 'desktop', dataDir, vault: 'file', desktopIdentityToken, ...settings },
        ),
        { logger: createLogger('silent') },
      ),
    kubeconfigPaths: () => kubeconfigPaths,
    openSettingsVault: (dataDir) => openSecretVault(loadConfig({}, { dataDir, vault: 'file' })),
  });
  return {
    desktop,
    fake,
    bridge: fake.pageBridge(DESKTOP_PAGE_URL),
    userData: dir,
    async stop(options = {}) {
      await desktop.stop();
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A daemon listening on loopback, and main attached to it (not signed in yet). */
export interface AttachedDesktop {
  daemon: TestEngine;
  daemonUrl: string;
  desktop: TestDesktop;
}

/** Starts a test daemon on a loopback port and a desktop whose settings attach it to that daemon. */
export async function startAttachedDesktop(): Promise<AttachedDesktop> {
  const daemon = await startTestEngine();
  const address = await daemon.engine.api.listen({ port: 0, host: '127.0.0.1' });
  const daemonUrl = address.replace('localhost', '127.0.0.1');
  const desktop = await startTestDesktop();
  const attached = await desktop.bridge.settings({
    action: 'save',
    settings: {
      store: 'sqlite',
      mongodbUrl: '',
      redisUrl: '',
      attachRemote: true,
      remoteDaemonUrl: daemonUrl,
    },
  });
  if (!attached.ok) throw new Error(`could not attach: ${attached.body.error.message}`);
  return { daemon, daemonUrl, desktop };
}
