/**
 * SPDY/3.1 framing, as kubectl's port-forward speaks it (spdystream on the client side): frame
 * reading and writing, header blocks, and their zlib compression with the SPDY/3 dictionary.
 *
 * Only what a port-forward server needs is here: SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS,
 * PING, GOAWAY, HEADERS, WINDOW_UPDATE and DATA. The headers we send are zlib "stored" blocks (a
 * valid zlib stream that any inflater reads); the headers we receive are inflated for real.
 */
import { constants as zc, createInflate, type Inflate } from 'node:zlib';

export const SPDY_VERSION = 3;

/** Control frame types. */
export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  Cancel: 5,
  InternalError: 6,
} as const;

/** Largest DATA payload written in one frame (the field allows 16 MiB; smaller keeps latency low). */
export const MAX_DATA_CHUNK = 32 * 1024;

const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset',
  'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow', 'authorization',
  'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language',
  'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match',
  'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma',
  'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te',
  'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public',
  'set-cookie', 'keep-alive', 'origin',
]; // prettier-ignore

const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 ' +
  'Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service ' +
  'UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, ' +
  'Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,' +
  'application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch' +
  'charset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header-compression dictionary (draft 3, section 2.6.10.1): 1423 bytes. */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** One frame as read from the wire. */
export type SpdyFrame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

/** A frame that breaks the protocol: the session answers with GOAWAY and closes. */
export class SpdyProtocolError extends Error {}

/** Splits a byte stream into frames (any chunking). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) break;
      const flags = this.buf[4] ?? 0;
      const body = this.buf.subarray(8, 8 + length);
      if ((this.buf[0] ?? 0) & 0x80) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION)
          throw new SpdyProtocolError(`unsupported SPDY version ${version} (want 3)`);
        frames.push({ kind: 'control', type: this.buf.readUInt16BE(2), flags, payload: body });
      } else {
        const streamId = this.buf.readUInt32BE(0) & 0x7fffffff;
        frames.push({ kind: 'data', streamId, flags, data: Buffer.from(body) });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }
}

function header8(first: number, second: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(first >>> 0, 0);
  if (second >= 0) h.writeUInt16BE(second, 2);
  h.writeUInt32BE(length, 4);
  h[4] = flags;
  return h;
}

/** A control frame of `type` with `payload`. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = header8(0x80000000 | (SPDY_VERSION << 16), type, flags, payload.length);
  return Buffer.concat([h, payload]);
}

/** A DATA frame (payload at most 16 MiB - 1; callers chunk). */
export function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const h = header8(streamId & 0x7fffffff, -1, fin ? FLAG_FIN : 0, data.length);
  return Buffer.concat([h, data]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.RstStream, 0, u32(streamId & 0x7fffffff, status));
}

export function pingFrame(id: number): Buffer {
  return controlFrame(FrameType.Ping, 0, u32(id));
}

export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  return controlFrame(FrameType.GoAway, 0, u32(lastGoodStreamId & 0x7fffffff, status));
}

/** SYN_REPLY with an already compressed header block. */
export function synReplyFrame(streamId: number, compressedHeaders: Buffer, fin = false): Buffer {
  return controlFrame(
    FrameType.SynReply,
    fin ? FLAG_FIN : 0,
    Buffer.concat([u32(streamId & 0x7fffffff), compressedHeaders]),
  );
}

/** SYN_STREAM (what a client sends; used by tests). */
export function synStreamFrame(streamId: number, compressedHeaders: Buffer, flags = 0): Buffer {
  const fixed = Buffer.concat([u32(streamId & 0x7fffffff, 0), Buffer.from([0, 0])]);
  return controlFrame(FrameType.SynStream, flags, Buffer.concat([fixed, compressedHeaders]));
}

/** The uncompressed name/value block: count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed name/value block; names are lower-case, repeated values NUL-joined. */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const need = (at: number, n: number) => {
    if (at + n > block.length) throw new SpdyProtocolError('header block is truncated');
  };
  need(0, 4);
  const count = block.readUInt32BE(0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    need(at, 4);
    const nl = block.readUInt32BE(at);
    need(at + 4, nl + 4);
    const name = block.toString('utf8', at + 4, at + 4 + nl).toLowerCase();
    at += 4 + nl;
    const vl = block.readUInt32BE(at);
    need(at + 4, vl);
    const value = block.toString('utf8', at + 4, at + 4 + vl);
    at += 4 + vl;
    if (name.length === 0) throw new SpdyProtocolError('header block has an empty name');
    out.set(name, out.has(name) ? `${out.get(name) ?? ''}\0${value}` : value);
  }
  return out;
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function storedBlock(piece: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = 0; // BFINAL 0, BTYPE 00 (stored); the rest of the byte is padding
  h.writeUInt16LE(piece.length, 1);
  h.writeUInt16LE(~piece.length & 0xffff, 3);
  return Buffer.concat([h, piece]);
}

/**
 * The sending side's header compressor: one zlib stream per connection (as SPDY requires), each
 * header block a stored deflate block ending on a byte boundary, like a sync flush. The stream
 * announces the SPDY dictionary (FDICT), so inflaters set up for SPDY read it unchanged.
 */
export class HeaderDeflater {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32 KiB window); FLG with FDICT, FCHECK making CMF*256+FLG % 31 == 0.
      const cmf = 0x78;
      let flg = 0x20 | 0xc0;
      flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
      parts.push(Buffer.from([cmf, flg]), u32(adler32(SPDY3_DICTIONARY)));
    }
    for (let at = 0; at < block.length; at += 0xffff)
      parts.push(storedBlock(block.subarray(at, Math.min(block.length, at + 0xffff))));
    // The empty stored block of a sync flush: inflaters (Go's among them) hand out what they
    // have only when they meet it, so every header block ends with one.
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

/** The receiving side's header decompressor: one inflate stream for the whole connection. */
export class HeaderInflater {
  private readonly inflate: Inflate;
  private out: Buffer[] = [];
  private failed: Error | undefined;
  private onFail: ((e: Error) => void) | undefined;

  constructor() {
    this.inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    this.inflate.on('data', (d: Buffer) => this.out.push(d));
    this.inflate.on('error', (e: Error) => {
      this.failed = e;
      this.onFail?.(e);
    });
  }

  /** Inflates one header block (calls must not overlap; the session serialises them). */
  decompress(compressed: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(new SpdyProtocolError(`header block: ${this.failed.message}`));
      this.onFail = (e) => reject(new SpdyProtocolError(`header block: ${e.message}`));
      this.out = [];
      this.inflate.write(compressed);
      this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
        if (this.failed)
          return reject(new SpdyProtocolError(`header block: ${this.failed.message}`));
        resolve(Buffer.concat(this.out));
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}
