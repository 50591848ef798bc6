import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../engine/config';
import { createEngine, type Engine } from '../../../../../engine/engine';
import { createLogger } from '../../../../../engine/logging';
import { createHttpClient, createIpcClient } from '../../api';
import { createHealthStore } from './health-store';

describe('the health store', () => {
  let engine: Engine;
  let baseUrl: string;

  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'health-store-'));
    engine = await createEngine(loadConfig({}, { port: 0, dataDir }), {
      logger: createLogger('silent'),
    });
    await engine.start();
    baseUrl = await engine.api.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads health and readiness over HTTP', async () => {
    const store = createHealthStore();
    await store.getState().refresh(createHttpClient(baseUrl));
    expect(store.getState()).toMatchObject({
      error: null,
      loading: false,
      health: { status: 'ok', mode: 'daemon' },
      readiness: { ready: true, role: 'leader' },
    });
  });

  it('loads the same through the IPC client', async () => {
    const store = createHealthStore();
    const client = createIpcClient({
      request: async ({ method, url }) => {
        const response = await engine.api.inject({ method, url });
        return { status: response.statusCode, body: response.json<unknown>() };
      },
      onEvent: () => () => undefined,
      settings: () => Promise.reject(new Error('not used here')),
      localKubeconfig: () => Promise.reject(new Error('not used here')),
    });
    await store.getState().refresh(client);
    expect(store.getState().health?.status).toBe('ok');
    expect(client.transport).toBe('ipc');
  });

  it('shows an unreachable engine as an error', async () => {
    const store = createHealthStore();
    await store.getState().refresh(createHttpClient('http://127.0.0.1:9'));
    expect(store.getState().health).toBeNull();
    expect(store.getState().error).toBeTruthy();
  });
});
