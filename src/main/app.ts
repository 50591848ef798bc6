import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DESKTOP_IDENTITY_HEADER } from '../../engine/config';
import type { Engine, Vault } from '../../engine/engine';
import type { DesktopSettings } from '../shared/ipc';
import { BackendHost } from './backend-host';
import { createEmbeddedBackend, createRemoteBackend, probeDaemon } from './backends';
import type { BrowserWindowLike, ElectronLike } from './electron-types';
import { isCacheable } from './offline-cache';
import { openSqliteOfflineCache } from './offline-cache/sqlite-offline-cache';
import { forwardEvent, registerIpcBridge, registerSettingsBridge } from './ipc-bridge';
import { registerLocalKubeconfigBridge } from './local-kubeconfig';
import { SettingsStore } from './settings';
import {
  createAppUrlCheck,
  hardenSession,
  hardenWebContents,
  secureWebPreferences,
} from './security';

/** What the embedded engine is told by the desktop's settings. */
export interface EmbeddedEngineSettings {
  store: 'sqlite' | 'mongodb';
  mongodbUrl?: string;
  redisUrl?: string;
}

export interface DesktopOptions {
  electron: ElectronLike;
  /**
   * Builds the in-process engine (its data lives in `userData`), as the settings say.
   * `identityToken` goes into the engine's config (`desktopIdentityToken`): the engine honours the
   * desktop identity header only with this per-process value.
   */
  openEngine: (
    dataDir: string,
    identityToken: string,
    settings: EmbeddedEngineSettings,
  ) => Promise<Engine>;
  /** Opens the vault that keeps the settings' connection URLs: the OS keychain in production. */
  openSettingsVault: (dir: string) => Promise<Vault>;
  /** How main reaches a remote daemon (tests may pass their own). */
  fetch?: typeof fetch;
  /** The user's own kubeconfig files, in kubectl's order ($KUBECONFIG, else ~/.kube/config). */
  kubeconfigPaths: () => string[];
  /** Folder of the built main bundle, to find the preload and the page. */
  bundleDir: string;
  /** The renderer dev server, when running under `electron-vite dev`. */
  devServerUrl?: string;
}

export interface Desktop {
  window: BrowserWindowLike;
  /** The embedded engine, or null while attached to a remote daemon. */
  readonly engine: Engine | null;
  /** The running backend and the settings that chose it. */
  host: BackendHost;
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
  const userData = app.getPath('userData');
  // The last known answers of read routes, for inspecting the fleet when the engine cannot answer.
  const offlineCache = openSqliteOfflineCache(join(userData, 'offline-cache.sqlite'));
  const settingsVault = await options.openSettingsVault(join(userData, 'settings-vault'));
  const settingsStore = await SettingsStore.open(join(userData, 'settings.json'), settingsVault);
  const fetchImpl = options.fetch ?? fetch;
  let engine: Engine | null = null;
  let window: BrowserWindowLike | null = null;

  const openBackend = async (settings: DesktopSettings) => {
    if (settings.attachRemote) return createRemoteBackend(settings.remoteDaemonUrl, fetchImpl);
    const opened = await options.openEngine(join(userData, 'engine'), identity.token, {
      store: settings.store,
      ...(settings.store === 'mongodb' ? { mongodbUrl: settings.mongodbUrl } : {}),
      ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
    });
    try {
      await opened.start();
    } catch (error) {
      await opened.stop();
      throw error;
    }
    engine = opened;
    const backend = createEmbeddedBackend(opened, identity.headers);
    return {
      ...backend,
      stop: async () => {
        engine = null;
        await backend.stop();
      },
    };
  };
  // Live data reaches the page as events over IPC (the browser gets the same through SSE).
  const host = new BackendHost({
    open: openBackend,
    store: settingsStore,
    onEvent: (event) => {
      if (window && !window.isDestroyed()) forwardEvent(window.webContents, event);
    },
    probeDaemon: (url) => probeDaemon(url, fetchImpl),
    // Answers kept from another engine or daemon are not this one's last known state.
    onSwitched: () => offlineCache.prune(Number.MAX_SAFE_INTEGER),
  });
  await host.start();

  const pageUrl =
    options.devServerUrl ?? `file://${join(options.bundleDir, '../renderer/index.html')}`;
  const isAppUrl = createAppUrlCheck(pageUrl);
  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));

  const shown = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'KubeDB DBaaS Console',
    webPreferences: secureWebPreferences(join(options.bundleDir, '../preload/index.cjs')),
  });
  window = shown;
  hardenWebContents(shown.webContents, isAppUrl);

  const isTrustedSender = (senderId: number, frameUrl: string | undefined): boolean =>
    !shown.isDestroyed() &&
    senderId === shown.webContents.id &&
    frameUrl !== undefined &&
    isAppUrl(frameUrl);
  const bridge = registerIpcBridge({
    ipcMain,
    send: (request) => host.send(request),
    isTrustedSender,
    cache: { store: offlineCache, isCacheable, now: Date.now },
  });
  const settingsBridge = registerSettingsBridge({
    ipcMain,
    isTrustedSender,
    view: () => host.view(),
    save: (settings) => host.save(settings),
  });

  const kubeconfigBridge = registerLocalKubeconfigBridge({
    ipcMain,
    isTrustedSender,
    paths: options.kubeconfigPaths,
    send: (request) => host.send(request),
  });

  shown.once('ready-to-show', () => shown.show());
  if (options.devServerUrl) await shown.loadURL(options.devServerUrl);
  else await shown.loadFile(join(options.bundleDir, '../renderer/index.html'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    bridge.dispose();
    settingsBridge.dispose();
    kubeconfigBridge.dispose();
    await host.stop();
    await settingsVault.close();
    offlineCache.close();
  };
  app.on('window-all-closed', () => {
    void stop().finally(() => app.quit());
  });
  return {
    window: shown,
    get engine() {
      return engine;
    },
    host,
    stop,
    sendEvent: (type, data) => {
      if (!shown.isDestroyed()) forwardEvent(shown.webContents, { type, data });
    },
  };
}
