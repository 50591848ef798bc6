/**
 * The desktop's Settings, end to end in main (with the FAKE electron of test/helpers, since the
 * Electron binary cannot run here): saving restarts the embedded engine on a real Redis, attaches to
 * a real daemon over HTTP, refuses bad settings naming the field, and comes back after a restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config';
import { openSecretVault } from '../../engine/engine';
import type { Desktop } from '../../src/main/app';
import { SettingsStore } from '../../src/main/settings';
import {
  EVENT_CHANNEL,
  REQUEST_CHANNEL,
  SETTINGS_CHANNEL,
  type BridgeResponse,
  type DesktopSettings,
  type SettingsAnswer,
} from '../../src/shared/ipc';
import type { createFakeElectron } from '../helpers/fake-electron';
import { DESKTOP_PAGE_URL, startTestDesktop } from '../helpers/desktop';
import { TEST_ADMIN_PASSWORD, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { freePort, startRedis, testRedisUrl } from '../helpers/redis';

const DEFAULTS: DesktopSettings = {
  store: 'sqlite',
  mongodbUrl: '',
  redisUrl: '',
  attachRemote: false,
  remoteDaemonUrl: '',
};

describe('desktop settings (main, fake electron, real engine, daemon and Redis)', () => {
  let daemon: TestEngine;
  let daemonUrl: string;
  let userData: string;
  let fake: ReturnType<typeof createFakeElectron>;
  let desktop: Desktop | null = null;

  beforeAll(async () => {
    daemon = await startTestEngine();
    const address = await daemon.engine.api.listen({ port: 0, host: '127.0.0.1' });
    daemonUrl = address.replace('localhost', '127.0.0.1');
  });
  afterAll(async () => {
    await daemon.stop();
  });

  const start = async (): Promise<Desktop> => {
    const started = await startTestDesktop(userData);
    fake = started.fake;
    desktop = started.desktop;
    return desktop;
  };
  const sender = () => ({ id: fake.windows()[0]!.webContents.id, frameUrl: DESKTOP_PAGE_URL });
  const settings = (request: unknown) =>
    fake.ipcMain.invoke(SETTINGS_CHANNEL, sender(), request) as Promise<SettingsAnswer>;
  const save = (patch: Partial<DesktopSettings>) =>
    settings({ action: 'save', settings: { ...DEFAULTS, ...patch } });
  const request = (method: string, url: string, body?: unknown) =>
    fake.ipcMain.invoke(REQUEST_CHANNEL, sender(), {
      method,
      url,
      body,
    }) as Promise<BridgeResponse>;

  beforeEach(() => {
    userData = mkdtempSync(join(tmpdir(), 'desktop-settings-'));
  });
  afterEach(async () => {
    await desktop?.stop();
    desktop = null;
    rmSync(userData, { recursive: true, force: true });
  });

  it('reports the embedded engine on SQLite by default', async () => {
    await start();
    expect(await settings({ action: 'get' })).toEqual({
      ok: true,
      view: {
        settings: DEFAULTS,
        active: { kind: 'embedded', store: 'sqlite', sharedRedis: false },
        problem: null,
      },
    });
  });

  it('refuses invalid settings naming each field and rule, and keeps the engine running', async () => {
    const running = await start();
    const engine = running.engine;
    const answer = await save({ store: 'mongodb', remoteDaemonUrl: 'http://dbaas.example.com' });
    expect(answer).toMatchObject({
      ok: false,
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED' } },
    });
    const details = answer.ok ? [] : answer.body.error.details;
    expect(details).toContainEqual(
      expect.objectContaining({ path: 'mongodbUrl', rule: 'required' }),
    );
    expect(details).toContainEqual(
      expect.objectContaining({ path: 'remoteDaemonUrl', rule: 'https' }),
    );
    expect(running.engine).toBe(engine);
    expect(await request('GET', '/api/v1/health')).toMatchObject({ status: 200 });
  });

  it('restarts the embedded engine on a shared Redis, keeping the URL out of the settings file', async () => {
    const running = await start();
    const first = running.engine;
    const answer = await save({ redisUrl: testRedisUrl() });
    expect(answer).toMatchObject({
      ok: true,
      view: { active: { kind: 'embedded', store: 'sqlite', sharedRedis: true }, problem: null },
    });
    expect(running.engine).not.toBe(first);
    expect(running.engine?.config.redisUrl).toBe(testRedisUrl());
    const ready = await request('GET', '/api/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(readFileSync(join(userData, 'settings.json'), 'utf8')).not.toContain(testRedisUrl());
  });

  it('keeps the previous engine when the new settings do not start, without echoing the URL', async () => {
    const running = await start();
    const answer = await save({ redisUrl: 'redis://:do-not-echo@127.0.0.1:1' });
    expect(answer).toMatchObject({
      ok: false,
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
    });
    expect(JSON.stringify(answer)).not.toContain('do-not-echo');
    expect(running.engine?.config.redisUrl).toBeUndefined();
    expect(await request('GET', '/api/v1/health')).toMatchObject({
      status: 200,
      body: { mode: 'desktop' },
    });
    expect(await settings({ action: 'get' })).toMatchObject({
      ok: true,
      view: { settings: DEFAULTS },
    });
  });

  it('refuses a daemon URL where no daemon answers', async () => {
    await start();
    const answer = await save({ attachRemote: true, remoteDaemonUrl: 'http://127.0.0.1:1' });
    expect(answer).toMatchObject({ ok: false, status: 503 });
    expect(answer.ok ? [] : answer.body.error.details).toContainEqual(
      expect.objectContaining({ path: 'remoteDaemonUrl', rule: 'reachable' }),
    );
  });

  it('attaches to a remote daemon: main signs in, keeps the tokens, and forwards requests and events', async () => {
    const running = await start();
    const attached = await save({ attachRemote: true, remoteDaemonUrl: daemonUrl });
    expect(attached).toMatchObject({
      ok: true,
      view: { active: { kind: 'remote', url: daemonUrl, signedIn: false } },
    });
    expect(running.engine).toBeNull();
    expect(await request('GET', '/api/v1/health')).toMatchObject({ body: { mode: 'daemon' } });
    expect(await request('GET', '/api/v1/databases')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    const wrong = await request('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: 'nope-nope-nope',
    });
    expect(wrong.status).toBe(401);

    const login = await request('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: TEST_ADMIN_PASSWORD,
    });
    expect(login).toMatchObject({ status: 200, body: { user: { username: 'admin' } } });
    expect(JSON.stringify(login)).not.toMatch(/accessToken|refreshToken/);
    expect(await request('GET', '/api/v1/databases')).toMatchObject({
      status: 200,
      body: { items: [] },
    });
    expect(await request('GET', '/api/v1/auth/me')).toMatchObject({
      body: { kind: 'user', actor: 'admin' },
    });

    // Main says when its stream from the daemon opens, so the page can reload after a drop.
    await waitFor(
      () =>
        fake
          .windows()[0]!
          .webContents.sent.some(
            (m) =>
              m.channel === EVENT_CHANNEL &&
              JSON.stringify(m.args) ===
                JSON.stringify([{ type: 'desktop.stream', data: { state: 'open' } }]),
          ),
      'the stream-open event in the window',
    );
    // The daemon's events reach the window once the stream is open.
    const contents = fake.windows()[0]!.webContents;
    const health = {
      reachable: false,
      kubedbInstalled: false,
      engines: [],
      lastSeenAt: null,
      message: 'x',
    };
    await waitFor(() => {
      daemon.engine.services.events.publish({
        type: 'provider.health',
        data: { id: 'remote-p1', name: 'remote', health },
      });
      return contents.sent.some(
        (m) => m.channel === EVENT_CHANNEL && JSON.stringify(m.args).includes('remote-p1'),
      );
    }, 'an event from the remote daemon in the window');

    expect(await request('POST', '/api/v1/auth/logout')).toMatchObject({ status: 204 });
    expect(await request('GET', '/api/v1/databases')).toMatchObject({ status: 401 });
    expect(contents.sent).toContainEqual({
      channel: EVENT_CHANNEL,
      args: [{ type: 'desktop.session', data: { signedIn: false } }],
    });
  });

  it('applies the saved settings at the next start', async () => {
    await start();
    expect(await save({ attachRemote: true, remoteDaemonUrl: daemonUrl })).toMatchObject({
      ok: true,
    });
    await desktop!.stop();
    const again = await start();
    expect(again.engine).toBeNull();
    expect(await settings({ action: 'get' })).toMatchObject({
      ok: true,
      view: { active: { kind: 'remote', url: daemonUrl }, problem: null },
    });
  });

  it('answers from the offline cache while the saved Redis is down, and recovers when it is back', async () => {
    await start();
    const fresh = await request('GET', '/api/v1/domains');
    expect(fresh).toMatchObject({ status: 200 });
    expect(fresh.stale).toBeUndefined();
    await desktop!.stop();
    desktop = null;

    // The saved settings name a Redis that is not running when the desktop starts.
    const port = await freePort();
    const vault = await openSecretVault(
      loadConfig({}, { dataDir: join(userData, 'settings-vault'), vault: 'file' }),
    );
    const store = await SettingsStore.open(join(userData, 'settings.json'), vault);
    await store.save({ ...DEFAULTS, redisUrl: `redis://:down-pass@127.0.0.1:${port}` });
    await vault.close();
    const down = await start();
    expect(down.engine).toBeNull();
    const view = await settings({ action: 'get' });
    expect(view).toMatchObject({
      ok: true,
      view: {
        settings: { redisUrl: `redis://:****@127.0.0.1:${port}` },
        active: null,
        problem: expect.stringContaining('cannot be reached'),
      },
    });
    expect(JSON.stringify(view)).not.toContain('down-pass');
    // Not another, empty engine: the last known answers, marked stale with the reason.
    const stale = await request('GET', '/api/v1/domains');
    expect(stale).toMatchObject({ status: 200, body: fresh.body });
    expect(stale.stale?.reason).toContain('cannot start with the saved settings');
    expect((await request('GET', '/api/v1/operations')).status).toBe(503);

    // The Redis comes up: main's next attempt starts the engine on it.
    const redis = await startRedis(port, 'down-pass');
    try {
      await waitFor(() => down.engine, 'the engine to start once Redis is back', 20_000);
      expect(down.engine?.config.redisUrl).toBe(`redis://:down-pass@127.0.0.1:${port}`);
      expect(await settings({ action: 'get' })).toMatchObject({
        view: { active: { kind: 'embedded', sharedRedis: true }, problem: null },
      });
      const back = await request('GET', '/api/v1/domains');
      expect(back.stale).toBeUndefined();
    } finally {
      await down.stop();
      desktop = null;
      redis.kill('SIGTERM');
    }
  });

  it('refuses settings calls from another sender or a malformed request', async () => {
    await start();
    const window = fake.windows()[0]!;
    expect(
      await fake.ipcMain.invoke(
        SETTINGS_CHANNEL,
        { id: window.webContents.id + 1, frameUrl: DESKTOP_PAGE_URL },
        {
          action: 'get',
        },
      ),
    ).toMatchObject({ ok: false, status: 403 });
    expect(await settings({ action: 'drop' })).toMatchObject({ ok: false, status: 400 });
  });
});
