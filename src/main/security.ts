import type { SessionLike, WebContentsLike, WebPreferencesLike } from './electron-types';

/** The page's CSP inside the desktop window: our own bundle only, no remote code, no framing. */
export const DESKTOP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** The window's web preferences: the page gets no Node and talks to main only through the preload. */
export function secureWebPreferences(preloadPath: string): WebPreferencesLike {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/**
 * Refuses every navigation away from the app and every new window, and forbids <webview>. The
 * console never needs to leave its own page; links to documentation are not opened from it.
 */
export function hardenWebContents(
  contents: WebContentsLike,
  isAppUrl: (url: string) => boolean,
): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Adds the CSP to every response the window loads, and denies every permission request. */
export function hardenSession(session: SessionLike): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [DESKTOP_CSP] },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** Builds the check for "this URL is our own page": the built file, or the dev server's origin. */
export function createAppUrlCheck(appUrl: string): (url: string) => boolean {
  const expected = new URL(appUrl);
  return (url: string) => {
    let actual: URL;
    try {
      actual = new URL(url);
    } catch {
      return false;
    }
    if (expected.protocol === 'file:') {
      return actual.protocol === 'file:' && actual.pathname === expected.pathname;
    }
    return actual.origin === expected.origin;
  };
}
