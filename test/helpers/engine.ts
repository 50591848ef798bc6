/**
 * Test harness: a real engine (SQLite store, encrypted file vault) driven through `app.inject()`,
 * and simulated KubeDB clusters over real HTTP. Logs are captured so tests can search them for
 * planted secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { DESKTOP_IDENTITY_HEADER, loadConfig } from '../../engine/config';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine';
import { createLogger } from '../../engine/logging';
import type { Store } from '../../engine/store';
import { openSqliteStore } from '../../engine/store/sqlite';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { startSimCluster, type SimCluster } from '../../sim/index';

export interface TestEngine {
  engine: Engine;
  /** The engine's store, for arranging what no route can yet (and for checking what was written). */
  store: Store;
  logs: string[];
  dataDir: string;
  /** Every response body the harness saw, for tests that search them for planted secrets. */
  responses: string[];
  /** As the desktop's local admin (the identity main gives IPC requests), which no rate limit slows. */
  request<T = unknown>(method: string, url: string, body?: unknown): Promise<TestResponse<T>>;
  /** As someone else: a bearer token, an API key, raw headers, or anonymous (null). */
  requestAs<T = unknown>(
    caller: Caller,
    method: string,
    url: string,
    body?: unknown,
    remoteAddress?: string,
  ): Promise<TestResponse<T>>;
  /** Signs in through the API; fails the test unless it succeeds. */
  login(username: string, password: string): Promise<LoginResult>;
  stop(): Promise<void>;
}

export interface TestResponse<T> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, unknown>;
}

/** Who a request is from. */
export type Caller =
  { token: string } | { apiKey: string } | { headers: Record<string, string> } | null;

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; username: string };
}

/** The bootstrap admin's password in test engines. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-0123';

function headersOf(caller: Caller): Record<string, string> {
  if (caller === null) return {};
  if ('token' in caller) return { authorization: `Bearer ${caller.token}` };
  if ('apiKey' in caller) return { 'x-api-key': caller.apiKey };
  return caller.headers;
}

/** An engine on a temporary data dir; clusters on loopback are allowed unless said otherwise. */
export async function startTestEngine(
  options: {
    allowPrivateClusterAddresses?: boolean;
    env?: Record<string, string>;
    config?: Parameters<typeof loadConfig>[1];
    engine?: Omit<EngineOptions, 'logger' | 'store'>;
    /** The data dir of an engine stopped before (`engine.stop()`, `store.close()`): a restart. */
    dataDir?: string;
  } = {},
): Promise<TestEngine> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dbaas-engine-'));
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const config = loadConfig(options.env ?? {}, {
    dataDir,
    port: 0,
    vault: 'file',
    allowPrivateClusterAddresses: options.allowPrivateClusterAddresses ?? true,
    logLevel: 'info',
    adminPassword: TEST_ADMIN_PASSWORD,
    desktopIdentityToken: randomBytes(32).toString('base64url'),
    ...options.config,
  });
  const store = await openSqliteStore({ file: join(dataDir, 'engine.sqlite') });
  const engine = await createEngine(config, {
    ...options.engine,
    logger: createLogger('info', stream),
    store,
  });
  await engine.start();
  const responses: string[] = [];
  async function send<T>(
    headers: Record<string, string>,
    method: string,
    url: string,
    body?: unknown,
    remoteAddress?: string,
  ): Promise<TestResponse<T>> {
    const response = await engine.api.inject({
      method: method as 'GET',
      url,
      headers,
      ...(remoteAddress ? { remoteAddress } : {}),
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const text = response.body;
    responses.push(text);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.statusCode, body: parsed as T, text, headers: response.headers };
  }
  const desktop = { [DESKTOP_IDENTITY_HEADER]: config.desktopIdentityToken ?? '' };
  return {
    engine,
    store,
    logs,
    dataDir,
    responses,
    request: (method, url, body) => send(desktop, method, url, body),
    requestAs: (caller, method, url, body, remoteAddress) =>
      send(headersOf(caller), method, url, body, remoteAddress),
    async login(username, password) {
      const response = await send<LoginResult>({}, 'POST', '/api/v1/auth/login', {
        username,
        password,
      });
      if (response.status !== 200)
        throw new Error(`login as ${username} failed with ${response.status}: ${response.text}`);
      return response.body;
    },
    async stop() {
      await engine.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Simulated clusters with the real CRDs, fast enough for tests. */
export async function startClusters(count: number, speed = 200): Promise<SimCluster[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startSimCluster({ name: `sim-${i + 1}`, crdsDir: crdsDirForTests(), speed, seed: i + 1 }),
    ),
  );
}

/** Waits for a condition, polling with a deadline; fails with `what` when it never holds. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
