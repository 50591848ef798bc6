import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DESKTOP_IDENTITY_HEADER } from '../../engine/config';
import { isCacheable, openSqliteOfflineCache, type Engine } from '../../engine/engine';
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
  /**
   * Builds the in-process engine once the app is ready (its data lives in `userData`).
   * `identityToken` goes into the engine's config (`desktopIdentityToken`): the engine honours the
   * desktop identity header only with this per-process value.
   */
  openEngine: (dataDir: string, identityToken: string) => Promise<Engine>;
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

/**
 * The local desktop user's identity, attached by main to every request it forwards: a random token
 * made fresh for each run of the app, known only to main and the engine in this process. The page
 * cannot set headers on bridge requests, and a browser that guessed the header name lacks the token.
 */
export function createDesktopIdentity(): { token: string; headers: () => Record<string, string> } {
  const token = randomBytes(32).toString('base64url');
  return { token, headers: () => ({ [DESKTOP_IDENTITY_HEADER]: token }) };
}

/**
 * Starts the desktop app: the engine in this process, one hardened window, and the IPC bridge that
 * only that window may use.
 */
export async function startDesktop(options: DesktopOptions): Promise<Desktop> {
  const { app, BrowserWindow, ipcMain, session } = options.electron;
  await app.whenReady();

  const identity = createDesktopIdentity();
  // The last known answers of read routes, for inspecting the fleet when the engine cannot answer.
  const offlineCache = openSqliteOfflineCache(
    join(app.getPath('userData'), 'offline-cache.sqlite'),
  );
  const engine = await options.openEngine(join(app.getPath('userData'), 'engine'), identity.token);
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
    identityHeaders: identity.headers,
    cache: { store: offlineCache, isCacheable, now: Date.now },
  });
  // Live data reaches the page as events over IPC (the browser gets the same through SSE).
  const events = engine.services.events.subscribe((event) => {
    if (!window.isDestroyed())
      forwardEvent(window.webContents, { type: event.type, data: event.data });
  });

  window.once('ready-to-show', () => window.show());
  if (options.devServerUrl) await window.loadURL(options.devServerUrl);
  else await window.loadFile(join(options.bundleDir, '../renderer/index.html'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    void events.dispose();
    bridge.dispose();
    await engine.stop();
    offlineCache.close();
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
