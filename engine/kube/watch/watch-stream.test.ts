/**
 * The stream reader against a scripted HTTP server, for the answers the simulator does not give:
 * events cut mid-line, ERROR events of other codes, garbage, a stream that stays open and mute.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../base';
import { KubeApiError, KubeHttp } from '../http';
import { runWatchStream, type RawWatchEvent, type WatchStreamOptions } from './watch-stream';

type Script = (res: http.ServerResponse) => void;
let server: http.Server | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(script: Script): Promise<KubeHttp> {
  server = http.createServer((_req, res) => script(res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeHttp(config, 'scripted');
}

function options(
  kubeHttp: KubeHttp,
  events: RawWatchEvent[],
  overrides: Partial<WatchStreamOptions> = {},
): WatchStreamOptions {
  return {
    http: kubeHttp,
    path: '/api/v1/secrets',
    query: { watch: 'true' },
    signal: new AbortController().signal,
    clock: systemClock,
    silenceTimeoutMs: 5_000,
    maxLifetimeMs: 60_000,
    connectTimeoutMs: 5_000,
    onOpen: () => undefined,
    onEvent: (event) => events.push(event),
    ...overrides,
  };
}

const line = (type: string, name: string, rv: string) =>
  `${JSON.stringify({ type, object: { apiVersion: 'v1', kind: 'Secret', metadata: { name, resourceVersion: rv } } })}\n`;

describe('runWatchStream', () => {
  it('delivers events cut across writes, in order, and ends as closed', async () => {
    const kubeHttp = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = line('ADDED', 'a', '1') + line('BOOKMARK', '', '2') + line('DELETED', 'a', '3');
      res.write(text.slice(0, 30));
      setImmediate(() => res.end(text.slice(30)));
    });
    const events: RawWatchEvent[] = [];
    const end = await runWatchStream(options(kubeHttp, events));
    expect(end).toEqual({ reason: 'closed', events: 3 });
    expect(events.map((event) => `${event.type} ${event.object.metadata.resourceVersion}`)).toEqual(
      ['ADDED 1', 'BOOKMARK 2', 'DELETED 3'],
    );
  });

  it('ends as gone on an ERROR event with reason Expired and as an error on other codes', async () => {
    let status = {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    };
    const kubeHttp = await serve((res) => {
      res.writeHead(200);
      res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    });
    expect(await runWatchStream(options(kubeHttp, []))).toMatchObject({
      reason: 'gone',
      message: 'too old resource version',
    });
    status = { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd hiccup' };
    const end = await runWatchStream(options(kubeHttp, []));
    expect(end.reason).toBe('error');
    expect(end.reason === 'error' && end.error).toBeInstanceOf(KubeApiError);
  });

  it('ends as an error on a line that is not JSON', async () => {
    const kubeHttp = await serve((res) => {
      res.writeHead(200);
      res.write('<html>proxy error</html>\n');
    });
    expect(await runWatchStream(options(kubeHttp, []))).toMatchObject({ reason: 'error' });
  });

  it('ends as silent when an open stream sends nothing for the silence timeout', async () => {
    const kubeHttp = await serve((res) => {
      res.writeHead(200);
      res.flushHeaders();
    });
    const started = Date.now();
    const end = await runWatchStream(options(kubeHttp, [], { silenceTimeoutMs: 200 }));
    expect(end).toEqual({ reason: 'silent', events: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('throws the status of a refused watch with its Retry-After', async () => {
    const kubeHttp = await serve((res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          code: 429,
          reason: 'TooManyRequests',
          message: 'slow down',
        }),
      );
    });
    const error = await runWatchStream(options(kubeHttp, [])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).httpStatus).toBe(429);
    expect((error as KubeApiError).retryAfterSeconds).toBe(7);
  });

  it('ends as aborted when its signal fires', async () => {
    const kubeHttp = await serve((res) => {
      res.writeHead(200);
      res.write(line('ADDED', 'a', '1'));
    });
    const controller = new AbortController();
    const end = runWatchStream(
      options(kubeHttp, [], { signal: controller.signal, onEvent: () => controller.abort() }),
    );
    expect(await end).toEqual({ reason: 'aborted', events: 1 });
  });
});
