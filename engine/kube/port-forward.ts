import { createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { EngineError, UnavailableError } from '../base/errors';
import type { KubeObject } from '../kubedb/types';
import type { ClusterClient } from './cluster-client';

/** A local TCP port that reaches a pod's port through the API server (`pods/portforward`). */
export interface PortForwardHandle {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The pod the forward reaches. */
  readonly pod: string;
  /** The last error the API server (kubelet) reported on an error channel, if any. */
  lastError(): string | undefined;
  /** Stops listening and ends every tunnel and socket; idempotent. */
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /** Bound of each WebSocket upgrade (default 10 s). */
  timeoutMs?: number;
  /** The forward closes itself after this long, whatever its user does (default 5 min). */
  lifetimeMs?: number;
  signal?: AbortSignal;
}

type ServiceSpec = {
  selector?: Record<string, string>;
  ports?: { port: number; targetPort?: number | string }[];
};
type PodSpec = { containers?: { ports?: { name?: string; containerPort: number }[] }[] };

function isReady(pod: KubeObject): boolean {
  const status = pod.status as
    { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  return (
    status?.phase === 'Running' &&
    !pod.metadata.deletionTimestamp &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/**
 * The pod behind a Service and the container port of its service port, as `kubectl port-forward
 * svc/NAME` resolves them: a Ready pod matching the selector (the first by name), the target port by
 * number or by the container port's name.
 */
export async function resolveServiceTarget(
  client: ClusterClient,
  namespace: string,
  service: string,
  servicePort: number,
  signal?: AbortSignal,
): Promise<{ pod: string; port: number }> {
  const svc = await client.get('v1', 'Service', namespace, service, signal);
  if (!svc) throw new EngineError('NOT_FOUND', `service ${namespace}/${service} was not found`);
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const selector = Object.entries(spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!selector)
    throw new EngineError('UNPROCESSABLE', `service ${namespace}/${service} selects no pods`);
  const pods = await client.list('v1', 'Pod', { namespace, labelSelector: selector, signal });
  const ready = pods.items
    .filter(isReady)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const pod = ready[0];
  if (!pod) throw new UnavailableError(`no Ready pod behind service ${namespace}/${service}`);
  const entry = spec.ports?.find((p) => p.port === servicePort) ?? spec.ports?.[0];
  const target = entry?.targetPort ?? entry?.port ?? servicePort;
  if (typeof target === 'number') return { pod: pod.metadata.name, port: target };
  const named = ((pod.spec ?? {}) as PodSpec).containers
    ?.flatMap((c) => c.ports ?? [])
    .find((p) => p.name === target);
  if (!named)
    throw new EngineError('UNPROCESSABLE', `pod ${pod.metadata.name} has no port named ${target}`);
  return { pod: pod.metadata.name, port: named.containerPort };
}

/**
 * Opens a loopback listener whose every connection is tunnelled to `pod:port` over a WebSocket
 * (`v4.channel.k8s.io`, client-node's PortForward), with the cluster's authentication, TLS and
 * connection guard. Bounded: each upgrade by `timeoutMs`, the whole forward by `lifetimeMs`.
 */
export async function openPortForward(
  client: ClusterClient,
  namespace: string,
  pod: string,
  port: number,
  options: PortForwardOptions = {},
): Promise<PortForwardHandle> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sockets = new Set<Socket>();
  const tunnels = new Set<WebSocket>();
  let lastError: string | undefined;
  let closed = false;

  const tunnel = async (socket: Socket): Promise<void> => {
    const {
      method: _method,
      protocol: _protocol,
      ...connection
    } = await client.http.connectionOptions();
    const errors = new PassThrough();
    errors.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').trim();
      if (text) lastError = text.slice(0, 500);
    });
    const handler = {
      connect: (
        path: string,
        _text: unknown,
        binary: ((stream: number, buff: Buffer) => boolean) | null,
      ) =>
        new Promise<WebSocket>((resolve, reject) => {
          const uri = client.server.replace(/^http/, 'ws').replace(/\/$/, '') + path;
          const ws = new WebSocket(uri, ['v4.channel.k8s.io'], {
            ...(connection as WebSocket.ClientOptions),
            handshakeTimeout: timeoutMs,
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
          ws.on('message', (data: Buffer, isBinary: boolean) => {
            if (isBinary && data.length > 0 && binary && !binary(data[0]!, data.subarray(1)))
              ws.close();
          });
        }),
    };
    const opened = await new PortForward(client.http.kubeConfig, true, handler).portForward(
      namespace,
      pod,
      [port],
      socket,
      errors,
      socket,
    );
    const ws = opened as unknown as WebSocket;
    if (closed || socket.destroyed) return void ws.terminate();
    tunnels.add(ws);
    ws.on('close', () => {
      tunnels.delete(ws);
      socket.end();
    });
    ws.on('error', () => socket.destroy());
    socket.on('close', () => ws.close());
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    tunnel(socket).catch((error: unknown) => {
      lastError = `cluster ${client.label}: port-forward to ${namespace}/${pod}:${port} failed (${
        error instanceof Error ? error.message : String(error)
      })`;
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const local = typeof address === 'object' && address ? address.port : 0;

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    options.signal?.removeEventListener('abort', onAbort);
    for (const ws of tunnels) ws.terminate();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const onAbort = () => void close();
  const lifetime = setTimeout(onAbort, options.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) await close();
  return { host: '127.0.0.1', port: local, pod, lastError: () => lastError, close };
}
