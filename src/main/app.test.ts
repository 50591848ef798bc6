import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeElectron } from '../../test/helpers/fake-electron';
import { loadConfig } from '../../engine/config';
import { createEngine, openSecretVault } from '../../engine/engine';
import { createLogger } from '../../engine/logging';
import type { Store } from '../../engine/store';
import { openSqliteStore } from '../../engine/store/sqlite';
import { REQUEST_CHANNEL } from '../shared/ipc';
import { startDesktop, type Desktop } from './app';

describe('the desktop main process (with a fake electron)', () => {
  let userData: string;
  let fake: ReturnType<typeof createFakeElectron>;
  let desktop: Desktop;
  let store: Store;
  const bundleDir = '/opt/console/out/main';
  const pageUrl = 'file:///opt/console/out/renderer/index.html';

  beforeEach(async () => {
    userData = mkdtempSync(join(tmpdir(), 'desktop-'));
    fake = createFakeElectron(userData);
    desktop = await startDesktop({
      electron: fake.electron,
      bundleDir,
      openEngine: async (dataDir, desktopIdentityToken) => {
        store = await openSqliteStore({ file: join(dataDir, 'engine.sqlite') });
        // The file vault stands in for the OS keychain here; the keytar vault has its own suite.
        return createEngine(
          loadConfig({}, { mode: 'desktop', dataDir, vault: 'file', desktopIdentityToken }),
          {
            logger: createLogger('silent'),
            store,
          },
        );
      },
      kubeconfigPaths: () => [],
      openSettingsVault: (dataDir) => openSecretVault(loadConfig({}, { dataDir, vault: 'file' })),
    });
  });

  afterEach(async () => {
    await desktop.stop();
    await store.close();
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

  it('gives the page the local admin identity, which only main can assert', async () => {
    const sender = { id: fake.windows()[0]!.webContents.id, frameUrl: pageUrl };
    const me = await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
      method: 'GET',
      url: '/api/v1/auth/me',
    });
    expect(me).toMatchObject({
      status: 200,
      body: { kind: 'desktop', bindings: [{ role: 'admin' }] },
    });
    // Headers the page puts in a bridge request are dropped; main's identity header is the only one.
    const forged = await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { 'x-dbaas-local-identity': 'forged', authorization: 'Bearer forged' },
    });
    expect(forged).toMatchObject({ status: 200, body: { kind: 'desktop' } });
    // Straight to the engine (as a browser or the page over HTTP would), the header is not honoured.
    for (const value of ['desktop-admin', 'forged', '']) {
      const direct = await desktop.engine!.api.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { 'x-dbaas-local-identity': value },
      });
      expect(direct.statusCode).toBe(401);
    }
    const anonymous = await desktop.engine!.api.inject({ method: 'GET', url: '/api/v1/databases' });
    expect(anonymous.statusCode).toBe(401);
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

  it('forwards what the engine publishes to the window', () => {
    const window = fake.windows()[0]!;
    const health = {
      reachable: false,
      kubedbInstalled: false,
      engines: [],
      lastSeenAt: null,
      message: 'down',
    };
    desktop.engine!.services.events.publish({
      type: 'provider.health',
      data: { id: 'p2', name: 'prod', health },
    });
    expect(window.webContents.sent).toContainEqual({
      channel: 'dbaas:event',
      args: [{ type: 'provider.health', data: { id: 'p2', name: 'prod', health } }],
    });
  });

  it('answers from the offline cache, marked stale, when the engine cannot answer', async () => {
    const sender = { id: fake.windows()[0]!.webContents.id, frameUrl: pageUrl };
    const fresh = (await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
      method: 'GET',
      url: '/api/v1/databases',
    })) as {
      status: number;
      body: unknown;
      stale?: unknown;
    };
    expect(fresh.status).toBe(200);
    expect(fresh.stale).toBeUndefined();
    // The store goes away (as a shared MongoDB would): reads now fail with 503.
    await store.close();
    const offline = (await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
      method: 'GET',
      url: '/api/v1/databases',
    })) as {
      status: number;
      body: unknown;
      stale?: { ageSeconds: number; reason: string };
    };
    expect(offline.status).toBe(200);
    expect(offline.body).toEqual(fresh.body);
    expect(offline.stale?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(offline.stale?.reason).toBeTruthy();
    const uncached = (await fake.ipcMain.invoke(REQUEST_CHANNEL, sender, {
      method: 'GET',
      url: '/api/v1/operations',
    })) as { status: number };
    expect(uncached.status).toBe(503);
  });

  it('stops the engine and quits when the window closes', async () => {
    fake.emitApp('window-all-closed');
    await expect.poll(() => fake.quitCalls(), { timeout: 5_000 }).toBe(1);
    expect(fake.ipcMain.handlers.has(REQUEST_CHANNEL)).toBe(false);
  });
});
