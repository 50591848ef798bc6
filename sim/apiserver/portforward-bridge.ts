/**
 * What happens to one forwarded connection of `pods/portforward`: find the real process behind the
 * pod (the data plane), open a TCP connection to it, and copy bytes both ways, for the two shapes
 * clients use: a SPDY stream pair per connection (kubectl) and a WebSocket channel pair per port
 * (`v4.channel.k8s.io`, client-node). Errors go where the real kubelet puts them: as text on the
 * error stream/channel, "error forwarding port P to pod NS/NAME, uid UID: cause".
 */
import { createConnection, type Socket } from 'node:net';
import type { KubeObject } from '../core/contract';
import type { DataPlane } from '../core/data-plane';
import { RstStatus } from './spdy-frames';
import type { SpdyStream } from './spdy-session';

/** The pod a port-forward request is for. */
export interface ForwardTarget {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  dataPlane: DataPlane | undefined;
}

export function targetOf(pod: KubeObject, dataPlane: DataPlane | undefined): ForwardTarget {
  return {
    namespace: String(pod.metadata.namespace ?? ''),
    name: String(pod.metadata.name ?? ''),
    uid: String(pod.metadata.uid ?? ''),
    phase: String((pod.status as { phase?: string } | undefined)?.phase ?? 'Pending'),
    dataPlane,
  };
}

/** The one place every open forwarded TCP socket is recorded, so `close()` can end them all. */
export type SocketSet = Set<Socket>;

/**
 * Back-pressure between one client connection and the TCP sockets it carries, so that neither a
 * slow client nor a slow database makes the server buffer without bound.
 */
export interface Flow {
  /** Calls `cb` once the client connection takes more data (at once when it does now). */
  whenWritable(cb: () => void): void;
  /** Stops (and resumes) reading from the client; calls nest. */
  pauseIncoming(): void;
  resumeIncoming(): void;
}

/** Writes client data into a socket; pauses the client while the socket's buffer is full. */
function feed(socket: Socket, d: Buffer, flow: Flow): void {
  if (socket.write(d)) return;
  flow.pauseIncoming();
  socket.once('drain', () => flow.resumeIncoming());
}

/** Passes process data to the client; pauses the socket while the client is behind. */
function drainTo(socket: Socket, ok: boolean, flow: Flow): void {
  if (ok) return;
  socket.pause();
  flow.whenWritable(() => socket.resume());
}

/** Where a forwarded connection reports: data back to the client, an error, or the end. */
interface Peer {
  /** Returns false when the client is behind. */
  data(d: Buffer): boolean;
  /** The process closed its side. */
  end(): void;
  error(message: string): void;
}

/** Why nothing can be dialled for the pod, or where to dial. */
function resolve(t: ForwardTarget, port: number): { host: string; port: number } | string {
  const pod = `${t.namespace}/${t.name}`;
  if (t.phase !== 'Running') return `pod ${pod} is not running (phase ${t.phase})`;
  const inst = t.dataPlane?.instance(t.namespace, t.name);
  if (!inst)
    return (
      `pod ${pod} is simulated: no database process runs behind it (real processes run only ` +
      `when the simulator starts with --data-plane real, for PostgreSQL, MariaDB/MySQL and Redis)`
    );
  if (inst.state !== 'running')
    return `the ${inst.engine} process of pod ${pod} is ${inst.state}${inst.message ? `: ${inst.message}` : ''}`;
  if (port !== inst.containerPort)
    return (
      `failed to connect to localhost:${port} inside namespace of pod ${pod}: connection refused ` +
      `(the ${inst.engine} container listens on ${inst.containerPort})`
    );
  return { host: inst.host, port: inst.port };
}

/**
 * Opens the TCP connection for one forwarded connection and wires it to `peer`. Returns the
 * socket (to write client data into, end and destroy), or undefined after reporting an error.
 */
function dial(
  t: ForwardTarget,
  port: number,
  peer: Peer,
  sockets: SocketSet,
  flow: Flow,
): Socket | undefined {
  const prefix = `error forwarding port ${port} to pod ${t.namespace}/${t.name}, uid ${t.uid}: `;
  const where = resolve(t, port);
  if (typeof where === 'string') {
    peer.error(prefix + where);
    return undefined;
  }
  const socket = createConnection({ host: where.host, port: where.port });
  sockets.add(socket);
  socket.setNoDelay(true);
  let failed = false;
  socket.on('data', (d: Buffer) => drainTo(socket, peer.data(d), flow));
  socket.on('end', () => {
    if (!failed) peer.end();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    failed = true;
    peer.error(`${prefix}dial tcp ${where.host}:${where.port}: ${e.code ?? e.message}`);
  });
  socket.on('close', () => sockets.delete(socket));
  return socket;
}

/** kubelet's wait for the second stream of a pair. */
export const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Checks a new SPDY stream's headers the way kubelet does; a string refuses it. */
export function checkSpdyStream(stream: SpdyStream): string | undefined {
  const port = stream.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `unable to parse "${port}" as a port`;
  const type = stream.header('streamtype');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/**
 * The SPDY side: pairs each connection's `error` and `data` streams by `requestID` and forwards
 * the pair. Returns the handler for the session's new streams.
 */
export function spdyForwarder(
  target: ForwardTarget,
  sockets: SocketSet,
  flow: Flow,
): (stream: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (stream) => {
    const type = stream.header('streamtype') ?? '';
    // Clients without requestID (very old kubectl): error stream N, data stream N+2.
    const id = stream.header('requestid') ?? String(type === 'data' ? stream.id - 2 : stream.id);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        const p = pair as Pair;
        if (p.error) {
          p.error.write(Buffer.from(`(request=${id}) timed out waiting for streams`));
          p.error.end();
        }
        p.data?.reset(RstStatus.Cancel);
      }, STREAM_PAIR_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    const slot = type === 'data' ? 'data' : 'error';
    if (pair[slot]) {
      const msg = `error processing stream for request ${id}: ${type} stream already assigned`;
      pair.error?.write(Buffer.from(msg));
      stream.reset(RstStatus.ProtocolError);
      return;
    }
    pair[slot] = stream;
    // The error stream carries nothing from the client; its FIN arrives at once.
    if (slot === 'error') stream.ondata = () => undefined;
    if (!pair.data || !pair.error) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    forwardPair(target, Number(pair.data.header('port')), pair.data, pair.error, sockets, flow);
  };
}

function forwardPair(
  target: ForwardTarget,
  port: number,
  data: SpdyStream,
  error: SpdyStream,
  sockets: SocketSet,
  flow: Flow,
): void {
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    data.end();
    error.end();
  };
  let socket: Socket | undefined = undefined;
  socket = dial(target, port, {
    data: (d) => data.write(d),
    end: finish,
    error: (message) => {
      if (!over) error.write(Buffer.from(message));
      finish();
      socket?.destroy();
    },
  }, sockets, flow); // prettier-ignore
  if (!socket) return;
  const s = socket;
  data.ondata = (d) => feed(s, d, flow);
  data.onend = () => s.end();
  const gone = () => {
    over = true;
    s.destroy();
  };
  data.onreset = gone;
  error.onreset = gone;
  s.on('close', finish);
}

/** A WebSocket as the channel forwarder needs it. */
export interface ChannelSocket {
  /** Returns false when the client is behind. */
  send(data: Buffer | string): boolean;
  close(): void;
}

/** The `v4.channel.k8s.io` family: binary, base64 text (`v4.base64…`), and v5's close signal. */
export interface ChannelProtocol {
  base64: boolean;
  /** v5: the client ends a channel with [255, channel]; we do the same. */
  closeSignal: boolean;
}

/** Forwards one TCP connection per port over WebSocket channels 2i (data) and 2i+1 (error). */
export class ChannelForwarder {
  private readonly sockets: (Socket | undefined)[] = [];
  private open: number;

  constructor(
    private readonly ws: ChannelSocket,
    private readonly proto: ChannelProtocol,
    target: ForwardTarget,
    ports: number[],
    all: SocketSet,
    private readonly flow: Flow,
  ) {
    this.open = ports.length;
    ports.forEach((port, i) => {
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      this.send(2 * i, portBytes);
      this.send(2 * i + 1, portBytes);
    });
    ports.forEach((port, i) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        if (this.proto.closeSignal) this.send(255, Buffer.from([2 * i]));
        if (--this.open === 0) this.ws.close();
      };
      const socket = dial(target, port, {
        data: (d) => this.send(2 * i, d),
        end: finish,
        error: (message) => {
          if (!done) this.send(2 * i + 1, Buffer.from(message));
          finish();
        },
      }, all, flow); // prettier-ignore
      socket?.on('close', finish);
      this.sockets.push(socket);
    });
  }

  private send(channel: number, data: Buffer): boolean {
    if (this.proto.base64)
      return this.ws.send(String.fromCharCode(48 + channel) + data.toString('base64'));
    return this.ws.send(Buffer.concat([Buffer.from([channel]), data]));
  }

  /** A message from the client. */
  receive(msg: Buffer, isBinary: boolean): void {
    let channel: number;
    let body: Buffer;
    if (isBinary) {
      if (msg.length === 0) return;
      channel = msg[0] ?? 0;
      body = msg.subarray(1);
    } else {
      const text = msg.toString('utf8');
      if (text.length === 0) return;
      channel = text.charCodeAt(0) - 48;
      body = Buffer.from(text.slice(1), 'base64');
    }
    if (channel === 255 && this.proto.closeSignal) {
      this.sockets[(body[0] ?? 0) / 2]?.end();
      return;
    }
    // Only the data channels are readable; writes to error channels are ignored, as kubelet does.
    const socket = channel % 2 === 0 ? this.sockets[channel / 2] : undefined;
    if (socket) feed(socket, body, this.flow);
  }

  /** The client went away. */
  closed(): void {
    for (const s of this.sockets) s?.destroy();
  }
}
