import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EngineError, UnavailableError } from '../base/errors';
import { createLogger } from '../logging';
import { buildApi } from './app';
import type { ReadinessProbe } from './routes/health';

function collectingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

async function build(options: { probes?: ReadinessProbe[]; rendererDir?: string } = {}) {
  const { logger, lines } = collectingLogger();
  const app = await buildApi({
    logger,
    rendererDir: options.rendererDir,
    health: {
      version: '9.9.9',
      mode: 'daemon',
      startedAt: 0,
      now: () => 5_000,
      probes: options.probes ?? [],
      role: () => 'leader',
    },
  });
  return { app, lines };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP API', () => {
  it('answers liveness with version, mode and uptime', async () => {
    const { app } = await build();
    const response = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      version: '9.9.9',
      mode: 'daemon',
      uptimeSeconds: 5,
    });
    expect(response.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers readiness 503 naming the failing check', async () => {
    const { app } = await build({
      probes: [
        { name: 'store', check: async () => ({ name: 'store', ok: true }) },
        { name: 'queue', check: async () => Promise.reject(new Error('down')) },
      ],
    });
    const response = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      ready: false,
      role: 'leader',
      checks: [
        { name: 'store', ok: true },
        { name: 'queue', ok: false },
      ],
    });
  });

  it('answers an unknown route with the error shape of API.md', async () => {
    const { app } = await build();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { 'x-request-id': 'abc-1' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'no route GET /api/v1/nothing-here',
        details: [],
        requestId: 'abc-1',
      },
    });
  });

  it('answers a wrong method on a known path with 405, an Allow header and the error shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    const { app } = await build({ rendererDir: dir });
    app.post('/api/v1/things/:id/restart', async () => ({ ok: true }));
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/health?x=1',
      headers: { 'x-request-id': 'abc-2' },
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(response.json()).toEqual({
      error: {
        code: 'METHOD_NOT_ALLOWED',
        message: 'PUT is not allowed on /api/v1/health; use GET, HEAD',
        details: [],
        requestId: 'abc-2',
      },
    });
    const param = await app.inject({ method: 'GET', url: '/api/v1/things/42/restart' });
    expect(param.statusCode).toBe(405);
    expect(param.headers.allow).toBe('POST');
    // The page's static wildcard does not make an unknown API path exist.
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/nothing-here' });
    expect(unknown.statusCode).toBe(404);
  });

  it('names the field and rule of invalid input, and hides internal errors', async () => {
    const { app, lines } = await build();
    app.post('/api/v1/echo', async (request) =>
      z.object({ replicas: z.number().int().max(9) }).parse(request.body),
    );
    app.get('/api/v1/boom', async () => {
      throw new Error('connection string postgres://u:hunter2@db failed');
    });
    app.get('/api/v1/refused', async () => {
      throw new EngineError('QUOTA_EXCEEDED', 'project acme/shop has 10 of 10 databases');
    });

    const invalid = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      payload: { replicas: 12 },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'replicas', rule: 'too_big' }],
    });

    const malformed = await app.inject({
      method: 'POST',
      url: '/api/v1/echo',
      payload: '{"replicas":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('BAD_REQUEST');

    const boom = await app.inject({ method: 'GET', url: '/api/v1/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect(boom.json().error).toMatchObject({ code: 'INTERNAL', message: 'internal error' });

    const refused = await app.inject({ method: 'GET', url: '/api/v1/refused' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('QUOTA_EXCEEDED');

    expect(lines.join('')).toContain('"reqId"');
  });

  it('logs an unreachable cluster as a warning without a stack, and a fault as an error with one', async () => {
    const { app, lines } = await build();
    app.get('/api/v1/away', async () => {
      throw new UnavailableError('cluster prod is unreachable (ECONNREFUSED)', new Error('inner'));
    });
    app.get('/api/v1/bug', async () => {
      throw new Error('a bug');
    });
    const away = await app.inject({ method: 'GET', url: '/api/v1/away' });
    expect(away.statusCode).toBe(503);
    const bug = await app.inject({ method: 'GET', url: '/api/v1/bug' });
    expect(bug.statusCode).toBe(500);
    const parsed = lines
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; err?: { stack?: string } });
    const unavailable = parsed.filter((line) => line.msg === 'request unavailable');
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).toMatchObject({
      level: 40,
      reason: 'cluster prod is unreachable (ECONNREFUSED)',
    });
    expect(JSON.stringify(unavailable[0])).not.toContain('stack');
    const failed = parsed.filter((line) => line.msg === 'request failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.err?.stack).toContain('a bug');
  });

  it('redacts secrets in logs', async () => {
    const { app, lines } = await build();
    app.post('/api/v1/log-me', async (request) => {
      request.log.info({ password: 'canary-pw', provider: { kubeconfig: 'canary-kc' } }, 'got it');
      return { ok: true };
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/log-me',
      payload: {},
      headers: { authorization: 'Bearer canary-token' },
    });
    const logged = lines.join('');
    expect(logged).toContain('got it');
    for (const canary of ['canary-pw', 'canary-kc', 'canary-token'])
      expect(logged).not.toContain(canary);
  });

  it('serves the built page at / with a strict CSP and falls back to it for client routes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    const { app } = await build({ rendererDir: dir });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="root"');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const clientRoute = await app.inject({ method: 'GET', url: '/databases/abc' });
    expect(clientRoute.statusCode).toBe(200);
    expect(clientRoute.body).toContain('id="root"');
    const api = await app.inject({ method: 'GET', url: '/api/v1/unknown' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('NOT_FOUND');
  });
});
