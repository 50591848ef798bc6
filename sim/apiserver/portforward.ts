/**
 * `pods/{name}/portforward`: the protocol upgrade and its three shapes, as a real cluster serves
 * them (API server + kubelet):
 * - WebSocket `v4.channel.k8s.io` (also `v4.base64.channel.k8s.io`, and `v5.channel.k8s.io` with its
 *   close signal) with `?ports=P[,Q]`: one TCP connection per port, channels 2i (data) and 2i+1
 *   (error), each starting with the port (2 bytes, little-endian). client-node's `PortForward`.
 * - WebSocket `SPDY/3.1+portforward.k8s.io`: SPDY tunnelled in binary messages (kubectl ≥ 1.31).
 * - `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io` (kubectl's fallback).
 * Each forwarded connection reaches the pod's real process through the data plane; a simulated pod
 * answers on the error stream that it is simulated.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SimApiError, type KubeObject } from '../core/contract';
import type { ServerDeps } from './context';
import {
  ChannelForwarder,
  checkSpdyStream,
  spdyForwarder,
  targetOf,
  type ChannelProtocol,
  type Flow,
  type ForwardTarget,
} from './portforward-bridge';
import type { ResourceType } from './resource-types';
import { SpdySession, type ByteTransport } from './spdy-session';

/** The raw connection of an `upgrade` request, handed to the router by the HTTP server. */
export interface UpgradeContext {
  socket: Duplex;
  head: Buffer;
}

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

const CHANNEL_PROTOCOLS: Record<string, ChannelProtocol> = {
  'v4.channel.k8s.io': { base64: false, closeSignal: false },
  'v4.base64.channel.k8s.io': { base64: true, closeSignal: false },
  'v5.channel.k8s.io': { base64: false, closeSignal: true },
};
/** Our preference: kubelet serves v4 for port-forward; v5 only for clients that offer nothing else. */
const CHANNEL_ORDER = Object.keys(CHANNEL_PROTOCOLS);

/** Most bytes a WebSocket may hold unsent before the forwarded socket pauses. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * The flow control of one client connection: `behind()` says whether its send buffer is full,
 * `flush` is to be called whenever it may have drained; pause/resume nest.
 */
function makeFlow(
  behind: () => boolean,
  pause: () => void,
  resume: () => void,
): { flow: Flow; flush: () => void } {
  const waiters: (() => void)[] = [];
  let paused = 0;
  return {
    flush: () => {
      if (!behind()) for (const w of waiters.splice(0)) w();
    },
    flow: {
      whenWritable: (cb) => (behind() ? waiters.push(cb) : cb()),
      pauseIncoming: () => {
        if (paused++ === 0) pause();
      },
      resumeIncoming: () => {
        if (paused > 0 && --paused === 0) resume();
      },
    },
  };
}

/** Sends on a WebSocket with back-pressure: false when more than MAX_BUFFERED waits unsent. */
function wsSender(ws: WebSocket): { flow: Flow; send: (d: Buffer | string) => boolean } {
  const { flow, flush } = makeFlow(
    () => ws.bufferedAmount >= MAX_BUFFERED,
    () => ws.pause(),
    () => ws.resume(),
  );
  return {
    flow,
    send: (d) => {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(d, { binary: typeof d !== 'string' }, flush);
      return ws.bufferedAmount < MAX_BUFFERED;
    },
  };
}

function listHeader(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v.join(',') : (v ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `?ports=5432&ports=6379` or `?ports=5432,6379`, checked as the real server does. */
export function parsePorts(query: URLSearchParams): number[] {
  const raw = query.getAll('ports');
  if (raw.length === 0)
    throw new SimApiError(400, 'BadRequest', 'query parameter "ports" is required');
  const ports: number[] = [];
  for (const value of raw) {
    if (value === '')
      throw new SimApiError(400, 'BadRequest', 'query parameter "ports" cannot be empty');
    for (const p of value.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isInteger(n) || n > 65535)
        throw new SimApiError(400, 'BadRequest', `ports: unable to parse "${p}" as a port`);
      if (n < 1) throw new SimApiError(400, 'BadRequest', `ports: port "${p}" must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

/** Every open port-forward connection of one server. */
export class PortForwards {
  private readonly wss: WebSocketServer;
  private readonly closers = new Set<() => void>();
  /** Tunnel requests: `ws` rejects the '/' in `SPDY/3.1+…` as a subprotocol, so we answer it. */
  private readonly tunnels = new WeakSet<IncomingMessage>();
  /** Every TCP socket to a database process that is open now. */
  readonly sockets = new Set<Socket>();

  constructor(private readonly deps: ServerDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
      handleProtocols: (offered) => {
        return CHANNEL_ORDER.find((p) => offered.has(p)) ?? false;
      },
    });
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      if (this.tunnels.has(req)) headers.push(`Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`);
    });
  }

  /** Open upgraded connections (SPDY sessions and WebSockets). */
  get openConnections(): number {
    return this.closers.size;
  }

  /** Ends every forwarded connection and its TCP sockets. */
  closeAll(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
    for (const s of [...this.sockets]) s.destroy();
    this.sockets.clear();
    this.wss.close();
  }

  /**
   * Answers a `pods/portforward` request. Throws a SimApiError (answered as Status on the
   * still-plain HTTP connection) for what the real server refuses before upgrading.
   */
  handle(
    req: IncomingMessage,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    query: URLSearchParams,
    upgrade: UpgradeContext | undefined,
  ): void {
    const pod = JSON.parse(this.deps.state.mustGet(type, namespace, name).json) as KubeObject;
    if (!upgrade) throw new SimApiError(400, 'BadRequest', 'Upgrade request required');
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName)
      throw new SimApiError(400, 'BadRequest', `pod ${name} does not have a host assigned`);
    const target = targetOf(pod, this.deps.dataPlane);
    const kind = String(req.headers.upgrade ?? '').toLowerCase();
    if (kind === 'websocket') return this.websocket(req, query, upgrade, target);
    if (kind.startsWith('spdy/3.1')) return this.spdy(req, upgrade, target);
    throw new SimApiError(
      400,
      'BadRequest',
      `unable to upgrade: the Upgrade header must be websocket or SPDY/3.1, not "${kind}"`,
    );
  }

  private websocket(
    req: IncomingMessage,
    query: URLSearchParams,
    up: UpgradeContext,
    target: ForwardTarget,
  ): void {
    const offered = listHeader(req.headers['sec-websocket-protocol']);
    const tunnel = offered.includes(SPDY_TUNNEL_PROTOCOL);
    const chosen = CHANNEL_ORDER.find((p) => offered.includes(p));
    if (!tunnel && offered.length > 0 && !chosen)
      throw new SimApiError(
        400,
        'BadRequest',
        `unable to upgrade websocket connection: none of the requested protocols ` +
          `[${offered.join(' ')}] is supported; supported: [${[SPDY_TUNNEL_PROTOCOL, ...CHANNEL_ORDER].join(' ')}]`,
      );
    const ports = tunnel ? [] : parsePorts(query);
    if (tunnel) {
      this.tunnels.add(req);
      delete req.headers['sec-websocket-protocol'];
    }
    this.wss.handleUpgrade(req, up.socket, up.head, (ws) => {
      if (tunnel) this.tunnel(ws, target);
      else this.channels(ws, chosen ? (CHANNEL_PROTOCOLS[chosen] as ChannelProtocol) : { base64: false, closeSignal: false }, ports, target); // prettier-ignore
    });
  }

  private track(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  private channels(
    ws: WebSocket,
    proto: ChannelProtocol,
    ports: number[],
    target: ForwardTarget,
  ): void {
    const sender = wsSender(ws);
    const fwd = new ChannelForwarder(
      { send: sender.send, close: () => ws.close(1000) },
      proto,
      target,
      ports,
      this.sockets,
      sender.flow,
    );
    const untrack = this.track(() => ws.terminate());
    ws.on('message', (data: Buffer, isBinary: boolean) => fwd.receive(data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      untrack();
      fwd.closed();
    });
  }

  private tunnel(ws: WebSocket, target: ForwardTarget): void {
    const sender = wsSender(ws);
    const transport: ByteTransport = { write: sender.send, close: () => ws.close(1000) };
    const session = new SpdySession(
      transport,
      checkSpdyStream,
      spdyForwarder(target, this.sockets, sender.flow),
    );
    const untrack = this.track(() => {
      session.terminated();
      ws.terminate();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return ws.close(1003, 'the SPDY tunnel carries binary messages only');
      session.receive(data);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      untrack();
      session.terminated();
    });
  }

  private spdy(req: IncomingMessage, up: UpgradeContext, target: ForwardTarget): void {
    const offered = listHeader(req.headers['x-stream-protocol-version']);
    if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL))
      throw new SimApiError(
        403,
        'Forbidden',
        `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], ` +
          `server accepts [${PORT_FORWARD_PROTOCOL}]`,
      );
    const socket = up.socket;
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
        `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
    );
    const transport: ByteTransport = {
      write: (buf) => !socket.destroyed && socket.write(buf),
      close: () => socket.end(),
    };
    const { flow, flush } = makeFlow(
      () => socket.writableNeedDrain,
      () => socket.pause(),
      () => socket.resume(),
    );
    socket.on('drain', flush);
    const session = new SpdySession(
      transport,
      checkSpdyStream,
      spdyForwarder(target, this.sockets, flow),
    );
    const untrack = this.track(() => {
      session.terminated();
      socket.destroy();
    });
    socket.on('data', (d: Buffer) => session.receive(d));
    // The HTTP server's sockets allow half-open connections: a client that is gone must not
    // leave its socket (and streams) behind.
    socket.on('end', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      untrack();
      session.terminated();
    });
    if (up.head.length > 0) session.receive(up.head);
  }
}
