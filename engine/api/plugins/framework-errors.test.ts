import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createLogger } from '../../logging';
import { buildApi } from '../app';
import { defineRoute } from '../route-table';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function build(): Promise<FastifyInstance> {
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const app = await buildApi({
    logger: createLogger('info', quiet),
    health: {
      version: '1',
      mode: 'daemon',
      startedAt: 0,
      now: () => 0,
      probes: [],
      role: () => 'leader',
    },
    routes: [
      defineRoute({
        method: 'GET',
        url: '/api/v1/things/:id',
        permission: 'public',
        summary: 'a thing',
        params: z.object({ id: z.string() }),
        handler: async ({ params }) => ({ id: params.id }),
      }),
    ],
  });
  apps.push(app);
  return app;
}

/** API.md's shape, with nothing of fastify's own (`FST_ERR_*`, `statusCode`) and no echoed URL. */
function expectProductShape(text: string, rule: string): void {
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.any(String),
    details: [{ path: 'url', rule, message: expect.any(String) }],
  });
  expect(text).not.toContain('FST_ERR');
  expect(text).not.toContain('statusCode');
}

describe("fastify's and Node's own refusals", () => {
  it('answers a URL with bad percent-encoding with a 400 in the product shape', async () => {
    const app = await build();
    const response = await app.inject({ method: 'GET', url: '/api/v1/things/%ZZsecret' });
    expect(response.statusCode).toBe(400);
    expectProductShape(response.body, 'encoding');
    expect(response.body).not.toContain('secret');
    expect(response.json().error.requestId).toEqual(expect.any(String));
  });

  it('answers a too-long path parameter with a 414 in the product shape', async () => {
    const app = await build();
    const response = await app.inject({ method: 'GET', url: `/api/v1/things/${'x'.repeat(5000)}` });
    expect(response.statusCode).toBe(414);
    expectProductShape(response.body, 'max-length');
    expect(response.body).not.toContain('xxxxxxxxxx');
  });

  it('answers headers that are too large with a 431 in the product shape, over a real socket', async () => {
    const app = await build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const answer = await new Promise<{ status: number; type: string; text: string }>(
      (resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/api/v1/health',
            headers: { 'x-big': 'y'.repeat(20_000) },
            timeout: 5_000,
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                type: String(response.headers['content-type']),
                text,
              }),
            );
          },
        );
        request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
        request.on('error', reject);
        request.end();
      },
    );
    expect(answer.status).toBe(431);
    expect(answer.type).toContain('application/json');
    expectProductShape(answer.text, 'header-size');
  });

  it('still routes a parameter of the longest allowed length', async () => {
    const app = await build();
    const response = await app.inject({ method: 'GET', url: `/api/v1/things/${'x'.repeat(100)}` });
    expect(response.statusCode).toBe(200);
  });
});
