import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeElectron } from '../../test/helpers/fake-electron';
import { loadConfig } from '../../engine/config';
import { createEngine } from '../../engine/engine';
import { createLogger } from '../../engine/logging';
import { REQUEST_CHANNEL } from '../shared/ipc';
import { startDesktop, type Desktop } from './app';

describe('the desktop main process (with a fake electron)', () => {
  let userData: string;
  let fake: ReturnType<typeof createFakeElectron>;
  let desktop: Desktop;
  const bundleDir = '/opt/console/out/main';
  const pageUrl = 'file:///opt/console/out/renderer/index.html';

  beforeEach(async () => {
    userData = mkdtempSync(join(tmpdir(), 'desktop-'));
    fake = createFakeElectron(userData);
    desktop = await startDesktop({
      electron: fake.electron,
      bundleDir,
      openEngine: (dataDir) =>
        createEngine(loadConfig({}, { mode: 'desktop', dataDir }), {
          logger: createLogger('silent'),
        }),
    });
  });

  afterEach(async () => {
    await desktop.stop();
    rmSync(userData, { recursive: true, force: true });
  });

  it('opens one window with isolation, sandbox and no Node integration', () => {
    const [window] = fake.windows();
    expect(fake.windows()).toHaveLength(1);
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/opt/console/out/preload/index.cjs',
    });
    expect(window!.loadedFile).toBe('/opt/console/out/renderer/index.html');
    expect(window!.shown).toBe(true);
  });

  it('refuses navigation away from the app, new windows and webviews', () => {
    const contents = fake.windows()[0]!.webContents;
    expect(contents.navigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.navigate('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(contents.navigate('will-navigate', pageUrl)).toBe(false);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({
      action: 'deny',
    });
    expect(contents.attachWebview()).toBe(true);
  });

  it('adds a strict CSP to every response and denies permissions', async () => {
    const headers = await fake.responseHeaders(pageUrl);
    expect(headers?.['Content-Security-Policy']).toEqual([
      expect.stringContaining("script-src 'self'"),
    ]);
    expect(String(headers?.['Content-Security-Policy'])).not.toContain('unsafe-eval');
    expect(await fake.askPermission('media')).toBe(false);
  });

  it('answers the page through the engine API over IPC', async () => {
    const window = fake.windows()[0]!;
    const answer = await fake.ipcMain.invoke(
      REQUEST_CHANNEL,
      { id: window.webContents.id, frameUrl: pageUrl },
      {
        method: 'GET',
        url: '/api/v1/health',
      },
    );
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok', mode: 'desktop' } });
  });

  it('refuses IPC from another sender or a foreign frame', async () => {
    const window = fake.windows()[0]!;
    const otherSender = await fake.ipcMain.invoke(
      REQUEST_CHANNEL,
      { id: window.webContents.id + 100, frameUrl: pageUrl },
      {
        method: 'GET',
        url: '/api/v1/health',
      },
    );
    expect(otherSender).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const foreignFrame = await fake.ipcMain.invoke(
      REQUEST_CHANNEL,
      { id: window.webContents.id, frameUrl: 'https://evil.example/' },
      { method: 'GET', url: '/api/v1/health' },
    );
    expect(foreignFrame).toMatchObject({ status: 403 });
  });

  it('refuses malformed bridge requests and paths outside the API', async () => {
    const sender = { id: fake.windows()[0]!.webContents.id, frameUrl: pageUrl };
    expect(
      await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
        method: 'TRACE',
        url: '/api/v1/health',
      }),
    ).toMatchObject({ status: 400 });
    expect(
      await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, { method: 'GET', url: '/../etc/passwd' }),
    ).toMatchObject({ status: 400 });
    expect(await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, 'GET /api/v1/health')).toMatchObject({
      status: 400,
    });
  });

  it('forwards engine events to the window', () => {
    const window = fake.windows()[0]!;
    desktop.sendEvent('provider.health', { id: 'p1', reachable: true });
    expect(window.webContents.sent).toEqual([
      {
        channel: 'dbaas:event',
        args: [{ type: 'provider.health', data: { id: 'p1', reachable: true } }],
      },
    ]);
  });

  it('stops the engine and quits when the window closes', async () => {
    fake.emitApp('window-all-closed');
    await expect.poll(() => fake.quitCalls(), { timeout: 5_000 }).toBe(1);
    expect(fake.ipcMain.handlers.has(REQUEST_CHANNEL)).toBe(false);
  });
});
