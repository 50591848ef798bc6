/**
 * The server side of one SPDY/3.1 connection (a raw socket after `Upgrade: SPDY/3.1`, or the byte
 * stream tunnelled in WebSocket binary messages): accepts the client's streams, answers each with
 * SYN_REPLY, carries DATA both ways with FIN half-closes and RST_STREAM, echoes PINGs, and ends on
 * GOAWAY. Flow control is not enforced (spdystream, kubectl's SPDY library, does not either);
 * WINDOW_UPDATE and SETTINGS are read and ignored.
 */
import {
  FLAG_FIN,
  FrameReader,
  FrameType,
  HeaderDeflater,
  HeaderInflater,
  MAX_DATA_CHUNK,
  RstStatus,
  SpdyProtocolError,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  goAwayFrame,
  pingFrame,
  rstStreamFrame,
  synReplyFrame,
  type SpdyFrame,
} from './spdy-frames';

/** Where the session's bytes go. */
export interface ByteTransport {
  /** Returns false when the peer is slow (the caller may wait for `drain`). */
  write(buf: Buffer): boolean;
  /** Ends the connection (after the last write). */
  close(): void;
}

/** Most streams open at once on one connection; more are refused. */
export const MAX_OPEN_STREAMS = 1000;

/** One stream opened by the client. */
export class SpdyStream {
  /** Data from the client. */
  ondata: ((d: Buffer) => void) | undefined;
  /** The client half-closed (FIN). */
  onend: (() => void) | undefined;
  /** The stream was reset by the client, or the connection went away. */
  onreset: (() => void) | undefined;
  localClosed = false;
  remoteClosed = false;
  isReset = false;

  constructor(
    readonly id: number,
    readonly headers: Map<string, string>,
    private readonly session: SpdySession,
  ) {}

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  /** Sends data; returns false when the transport asks to wait. */
  write(data: Buffer): boolean {
    if (this.localClosed || this.isReset) return false;
    let ok = true;
    for (let at = 0; at < data.length; at += MAX_DATA_CHUNK)
      ok = this.session.send(dataFrame(this.id, data.subarray(at, at + MAX_DATA_CHUNK), false));
    return ok;
  }

  /** Half-closes our side (DATA with FIN). */
  end(): void {
    if (this.localClosed || this.isReset) return;
    this.localClosed = true;
    this.session.send(dataFrame(this.id, Buffer.alloc(0), true));
    this.session.settle(this);
  }

  /** Resets the stream (RST_STREAM). */
  reset(status: number = RstStatus.Cancel): void {
    if (this.isReset) return;
    this.isReset = true;
    this.session.send(rstStreamFrame(this.id, status));
    this.session.settle(this);
  }

  /** Called by the session when the peer reset it or the connection ended. */
  gone(): void {
    if (this.isReset) return;
    this.isReset = true;
    this.onreset?.();
  }
}

/** What the owner decides for a new stream: undefined accepts it, a string refuses it. */
export type StreamAcceptor = (stream: SpdyStream) => string | undefined;

export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly inflater = new HeaderInflater();
  private readonly deflater = new HeaderDeflater();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Called once when the session ends (GOAWAY, protocol error, `close`, `terminated`). */
  onclose: (() => void) | undefined;
  /** Why the session ended with an error, if it did. */
  error: string | undefined;

  constructor(
    private readonly transport: ByteTransport,
    private readonly accept: StreamAcceptor,
    private readonly onStream: (stream: SpdyStream) => void,
  ) {}

  get openStreams(): number {
    return this.streams.size;
  }

  /** Feeds bytes from the transport. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      return this.fail(e);
    }
    for (const f of frames) {
      this.chain = this.chain.then(() => this.handle(f)).catch((e: unknown) => this.fail(e));
    }
  }

  /** Sends GOAWAY, ends every stream and the transport. */
  close(): void {
    if (this.closed) return;
    this.send(goAwayFrame(this.lastStreamId));
    this.terminated();
    this.transport.close();
  }

  /** The transport is gone: every stream is over. */
  terminated(): void {
    if (this.closed) return;
    this.closed = true;
    this.inflater.close();
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const s of open) s.gone();
    this.onclose?.();
  }

  /** @internal */
  send(frame: Buffer): boolean {
    if (this.closed) return false;
    return this.transport.write(frame);
  }

  /** @internal Forgets a stream that is closed both ways or reset. */
  settle(stream: SpdyStream): void {
    if (stream.isReset || (stream.localClosed && stream.remoteClosed))
      this.streams.delete(stream.id);
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.error = e instanceof Error ? e.message : String(e);
    this.send(goAwayFrame(this.lastStreamId, e instanceof SpdyProtocolError ? 1 : 2));
    this.terminated();
    this.transport.close();
  }

  private async handle(f: SpdyFrame): Promise<void> {
    if (this.closed) return;
    if (f.kind === 'data') return this.handleData(f.streamId, f.flags, f.data);
    const p = f.payload;
    const need = (n: number) => {
      if (p.length < n) throw new SpdyProtocolError(`control frame ${f.type} is too short`);
    };
    switch (f.type) {
      case FrameType.SynStream: {
        need(10);
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflater.decompress(p.subarray(10)));
        return this.handleSynStream(id, f.flags, headers);
      }
      case FrameType.SynReply:
      case FrameType.Headers:
        // Keeps the shared inflate state in step; the content does not matter to a server.
        need(4);
        await this.inflater.decompress(p.subarray(4));
        return;
      case FrameType.RstStream: {
        need(8);
        const s = this.streams.get(p.readUInt32BE(0) & 0x7fffffff);
        if (s) {
          this.streams.delete(s.id);
          s.gone();
        }
        return;
      }
      case FrameType.Ping:
        need(4);
        // Client pings have odd ids; answer them (ours would be even, and we send none).
        if (p.readUInt32BE(0) % 2 === 1) this.send(pingFrame(p.readUInt32BE(0)));
        return;
      case FrameType.GoAway:
        this.terminated();
        this.transport.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types: nothing to do.
        return;
    }
  }

  private handleSynStream(id: number, flags: number, headers: Map<string, string>): void {
    if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
      this.send(rstStreamFrame(id, RstStatus.ProtocolError));
      return;
    }
    this.lastStreamId = id;
    const stream = new SpdyStream(id, headers, this);
    if (this.streams.size >= MAX_OPEN_STREAMS) {
      this.send(rstStreamFrame(id, RstStatus.RefusedStream));
      return;
    }
    const refusal = this.accept(stream);
    if (refusal !== undefined) {
      this.error = refusal;
      this.send(rstStreamFrame(id, RstStatus.RefusedStream));
      return;
    }
    this.streams.set(id, stream);
    this.send(synReplyFrame(id, this.deflater.compress(encodeHeaderBlock({}))));
    if (flags & FLAG_FIN) stream.remoteClosed = true;
    this.onStream(stream);
    if (stream.remoteClosed) {
      stream.onend?.();
      this.settle(stream);
    }
  }

  private handleData(id: number, flags: number, data: Buffer): void {
    const s = this.streams.get(id);
    if (!s) return; // already reset or finished: late frames are dropped, as spdystream does
    if (data.length > 0 && !s.remoteClosed) s.ondata?.(data);
    if (flags & FLAG_FIN && !s.remoteClosed) {
      s.remoteClosed = true;
      s.onend?.();
      this.settle(s);
    }
  }
}
