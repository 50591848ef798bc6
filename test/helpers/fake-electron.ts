/**
 * A FAKE of the Electron module, standing in for the Electron binary, which cannot run on the build
 * machines. It records what main asks of Electron so tests can check the window's security settings,
 * the navigation and window-open refusals, the CSP and the IPC bridge. It is not a simulation of
 * Chromium: the page itself is tested in real Chromium by Playwright.
 */
import type {
  AppLike,
  BrowserWindowLike,
  BrowserWindowOptionsLike,
  ElectronLike,
  HeadersReceivedDetails,
  IpcMainInvokeEventLike,
  NavigationEventLike,
  WebContentsLike,
  WindowOpenResult,
} from '../../src/main/electron-types';
import {
  EVENT_CHANNEL,
  LOCAL_KUBECONFIG_CHANNEL,
  REQUEST_CHANNEL,
  SETTINGS_CHANNEL,
  type BridgeEvent,
  type BridgeResponse,
  type DbaasBridge,
  type LocalKubeconfigAnswer,
  type SettingsAnswer,
} from '../../src/shared/ipc';

type Listener = (...args: never[]) => unknown;

export class FakeWebContents implements WebContentsLike {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => WindowOpenResult) | undefined;
  /** What a page's ipcRenderer.on would receive: tests that play the page listen here. */
  readonly pageListeners = new Set<(channel: string, ...args: unknown[]) => void>();

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
    for (const listener of this.pageListeners) listener(channel, ...args);
  }
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenResult): void {
    this.windowOpenHandler = handler;
  }
  /** Emits a navigation event and says whether any listener prevented it. */
  navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false;
    const navigation: NavigationEventLike = { preventDefault: () => (prevented = true) };
    for (const listener of this.listeners.get(event) ?? []) {
      (listener as (e: NavigationEventLike, u: string) => void)(navigation, url);
    }
    return prevented;
  }
  attachWebview(): boolean {
    let prevented = false;
    for (const listener of this.listeners.get('will-attach-webview') ?? []) {
      (listener as (e: NavigationEventLike) => void)({ preventDefault: () => (prevented = true) });
    }
    return prevented;
  }
}

export class FakeBrowserWindow implements BrowserWindowLike {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedFile: string | undefined;
  loadedUrl: string | undefined;
  shown = false;
  destroyed = false;
  private readyListeners: (() => void)[] = [];

  constructor(readonly options: BrowserWindowOptionsLike) {
    FakeBrowserWindow.created.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    for (const l of this.readyListeners) l();
  }
  async loadFile(path: string): Promise<void> {
    this.loadedFile = path;
    for (const l of this.readyListeners) l();
  }
  once(_event: 'ready-to-show', listener: () => void): this {
    this.readyListeners.push(listener);
    return this;
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<
    string,
    (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown
  >();
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown,
  ): void {
    if (this.handlers.has(channel))
      throw new Error(`a handler for ${channel} is already registered`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a handler as ipcRenderer.invoke from a given sender would. */
  async invoke(
    channel: string,
    sender: { id: number; frameUrl: string | null },
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(
      {
        sender: { id: sender.id },
        senderFrame: sender.frameUrl === null ? null : { url: sender.frameUrl },
      },
      ...args,
    );
  }
}

export function createFakeElectron(userData: string) {
  FakeBrowserWindow.created = [];
  const appListeners = new Map<string, Listener[]>();
  let quitCalls = 0;
  let headersListener:
    | ((
        details: HeadersReceivedDetails,
        callback: (r: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void)
    | undefined;
  let permissionHandler:
    ((contents: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  const app: AppLike = {
    isPackaged: false,
    whenReady: () => Promise.resolve(),
    on(event: string, listener: Listener) {
      appListeners.set(event, [...(appListeners.get(event) ?? []), listener]);
      return app;
    },
    getPath: () => userData,
    quit: () => {
      quitCalls += 1;
    },
  };
  const ipcMain = new FakeIpcMain();
  const electron: ElectronLike = {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (listener) => (headersListener = listener) },
        setPermissionRequestHandler: (handler) => (permissionHandler = handler),
      },
    },
  };
  return {
    electron,
    ipcMain,
    windows: () => FakeBrowserWindow.created,
    emitApp: (event: string, ...args: unknown[]) => {
      for (const listener of appListeners.get(event) ?? [])
        (listener as (...a: unknown[]) => void)(...args);
    },
    quitCalls: () => quitCalls,
    /**
     * The `window.dbaas` bridge as the preload builds it, going through this fake's ipcMain and the
     * first window's webContents: tests of the page run against the real main process with it.
     */
    pageBridge: (frameUrl: string): DbaasBridge => {
      const contents = FakeBrowserWindow.created[0]!.webContents;
      const sender = { id: contents.id, frameUrl };
      return {
        request: (request) =>
          ipcMain.invoke(REQUEST_CHANNEL, sender, request) as Promise<BridgeResponse>,
        settings: (request) =>
          ipcMain.invoke(SETTINGS_CHANNEL, sender, request) as Promise<SettingsAnswer>,
        localKubeconfig: (request) =>
          ipcMain.invoke(
            LOCAL_KUBECONFIG_CHANNEL,
            sender,
            request,
          ) as Promise<LocalKubeconfigAnswer>,
        onEvent(listener) {
          const forward = (channel: string, ...args: unknown[]): void => {
            if (channel === EVENT_CHANNEL) listener(args[0] as BridgeEvent);
          };
          contents.pageListeners.add(forward);
          return () => void contents.pageListeners.delete(forward);
        },
      };
    },
    /** Runs a response through the session's header hook, as Chromium would. */
    responseHeaders: (url: string) =>
      new Promise<Record<string, string[] | string> | undefined>((resolve) => {
        if (!headersListener) throw new Error('no header hook registered');
        headersListener({ url, responseHeaders: { 'content-type': ['text/html'] } }, (r) =>
          resolve(r.responseHeaders),
        );
      }),
    askPermission: (permission: string) =>
      new Promise<boolean>((resolve) => {
        if (!permissionHandler) throw new Error('no permission handler registered');
        permissionHandler({}, permission, resolve);
      }),
  };
}
