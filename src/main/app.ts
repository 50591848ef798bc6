import { join } from 'node:path';
import type { Engine } from '../../engine/engine';
import type { BrowserWindowLike, ElectronLike } from './electron-types';
import { forwardEvent, registerIpcBridge } from './ipc-bridge';
import {
  createAppUrlCheck,
  hardenSession,
  hardenWebContents,
  secureWebPreferences,
} from './security';

export interface DesktopOptions {
  electron: ElectronLike;
  /** Builds the in-process engine once the app is ready (its data lives in `userData`). */
  openEngine: (dataDir: string) => Promise<Engine>;
  /** Folder of the built main bundle, to find the preload and the page. */
  bundleDir: string;
  /** The renderer dev server, when running under `electron-vite dev`. */
  devServerUrl?: string;
}

export interface Desktop {
  window: BrowserWindowLike;
  engine: Engine;
  /** Pushes an engine event to the page. */
  sendEvent(type: string, data: unknown): void;
  stop(): Promise<void>;
}

/** The local desktop user's identity, attached by main to every request it forwards. */
export const DESKTOP_IDENTITY_HEADERS = { 'x-dbaas-local-identity': 'desktop-admin' } as const;

/**
 * Starts the desktop app: the engine in this process, one hardened window, and the IPC bridge that
 * only that window may use.
 */
export async function startDesktop(options: DesktopOptions): Promise<Desktop> {
  const { app, BrowserWindow, ipcMain, session } = options.electron;
  await app.whenReady();

  const engine = await options.openEngine(join(app.getPath('userData'), 'engine'));
  await engine.start();

  const pageUrl =
    options.devServerUrl ?? `file://${join(options.bundleDir, '../renderer/index.html')}`;
  const isAppUrl = createAppUrlCheck(pageUrl);
  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));

  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'KubeDB DBaaS Console',
    webPreferences: secureWebPreferences(join(options.bundleDir, '../preload/index.cjs')),
  });
  hardenWebContents(window.webContents, isAppUrl);

  const bridge = registerIpcBridge({
    ipcMain,
    api: engine.api,
    isTrustedSender: (senderId, frameUrl) =>
      !window.isDestroyed() &&
      senderId === window.webContents.id &&
      frameUrl !== undefined &&
      isAppUrl(frameUrl),
    identityHeaders: () => ({ ...DESKTOP_IDENTITY_HEADERS }),
  });

  window.once('ready-to-show', () => window.show());
  if (options.devServerUrl) await window.loadURL(options.devServerUrl);
  else await window.loadFile(join(options.bundleDir, '../renderer/index.html'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    bridge.dispose();
    await engine.stop();
  };
  app.on('window-all-closed', () => {
    void stop().finally(() => app.quit());
  });
  return {
    window,
    engine,
    stop,
    sendEvent: (type, data) => {
      if (!window.isDestroyed()) forwardEvent(window.webContents, { type, data });
    },
  };
}
