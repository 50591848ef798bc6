import { constants as zc, createDeflate, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FrameReader,
  FrameType,
  HeaderDeflater,
  HeaderInflater,
  RstStatus,
  SPDY3_DICTIONARY,
  SpdyProtocolError,
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  pingFrame,
  synStreamFrame,
} from './spdy-frames';
import { SpdySession, type SpdyStream } from './spdy-session';

/** A client-side compressor: Node's real deflate with the dictionary, sync-flushed per block. */
function clientDeflater(): (block: Buffer) => Promise<Buffer> {
  const d = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  let out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  return (block) =>
    new Promise((resolve) => {
      out = [];
      d.write(block);
      d.flush(zc.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out)));
    });
}

describe('SPDY/3 framing', () => {
  it('builds the 1423-byte SPDY/3 dictionary', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-7).toString('latin1')).toBe(',enq=0.');
    // Its Adler-32, as zlib streams announce it (the value Go's SPDY framer sends).
    const first = new HeaderDeflater().compress(encodeHeaderBlock({}));
    expect(first.subarray(2, 6).toString('hex')).toBe('e3c6a7c2');
  });

  it('round-trips header blocks, lower-casing names and joining repeats with NUL', () => {
    const block = encodeHeaderBlock({ StreamType: 'data', port: '5432', requestID: '0' });
    const parsed = decodeHeaderBlock(block);
    expect([...parsed]).toEqual([
      ['streamtype', 'data'],
      ['port', '5432'],
      ['requestid', '0'],
    ]);
    expect(() => decodeHeaderBlock(block.subarray(0, block.length - 1))).toThrow(/truncated/);
  });

  it('writes header blocks any SPDY inflater reads, block after block', () => {
    const d = new HeaderDeflater();
    const a = d.compress(encodeHeaderBlock({ a: '1' }));
    const b = d.compress(encodeHeaderBlock({ b: 'two' }));
    const all = inflateSync(Buffer.concat([a, b]), {
      dictionary: SPDY3_DICTIONARY,
      finishFlush: zc.Z_SYNC_FLUSH,
    });
    expect(all).toEqual(
      Buffer.concat([encodeHeaderBlock({ a: '1' }), encodeHeaderBlock({ b: 'two' })]),
    );
    // Every block ends with the empty stored block of a sync flush (Go's inflater needs it).
    expect(a.subarray(-5)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff]));
  });

  it('inflates a real compressor output across blocks that share one zlib stream', async () => {
    const deflate = clientDeflater();
    const inflater = new HeaderInflater();
    const first = encodeHeaderBlock({ streamtype: 'error', port: '6379', requestid: '7' });
    const second = encodeHeaderBlock({ streamtype: 'data', port: '6379', requestid: '7' });
    expect(await inflater.decompress(await deflate(first))).toEqual(first);
    expect(await inflater.decompress(await deflate(second))).toEqual(second);
    inflater.close();
  });

  it('splits frames from any chunking and rejects another SPDY version', () => {
    const bytes = Buffer.concat([pingFrame(1), dataFrame(3, Buffer.from('hello'), true)]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames).toEqual([
      { kind: 'control', type: FrameType.Ping, flags: 0, payload: Buffer.from([0, 0, 0, 1]) },
      { kind: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') },
    ]);
    const v2 = controlFrame(FrameType.Ping, 0, Buffer.alloc(4));
    v2.writeUInt16BE(0x8002, 0);
    expect(() => new FrameReader().push(v2)).toThrow(SpdyProtocolError);
  });
});

describe('SpdySession', () => {
  async function session(accept: (s: SpdyStream) => string | undefined = () => undefined) {
    const sent: Buffer[] = [];
    const streams: SpdyStream[] = [];
    let closed = false;
    const s = new SpdySession(
      { write: (b) => (sent.push(b), true), close: () => (closed = true) },
      accept,
      (st) => streams.push(st),
    );
    const deflate = clientDeflater();
    const open = async (id: number, headers: Record<string, string>) =>
      s.receive(synStreamFrame(id, await deflate(encodeHeaderBlock(headers))));
    const settle = () => new Promise((r) => setTimeout(r, 20));
    const frames = () => new FrameReader().push(Buffer.concat(sent));
    return { s, sent, streams, open, settle, frames, isClosed: () => closed };
  }

  it('replies to a stream, carries data both ways and half-closes', async () => {
    const t = await session();
    await t.open(1, { streamtype: 'data', port: '5432' });
    await t.settle();
    const [stream] = t.streams;
    expect(stream?.header('port')).toBe('5432');
    let got = '';
    if (stream) stream.ondata = (d) => (got += d.toString());
    t.s.receive(dataFrame(1, Buffer.from('select 1'), false));
    await t.settle();
    expect(got).toBe('select 1');
    stream?.write(Buffer.from('answer'));
    stream?.end();
    const f = t.frames();
    expect(f[0]).toMatchObject({ kind: 'control', type: FrameType.SynReply });
    expect(f.slice(1)).toEqual([
      { kind: 'data', streamId: 1, flags: 0, data: Buffer.from('answer') },
      { kind: 'data', streamId: 1, flags: 1, data: Buffer.alloc(0) },
    ]);
  });

  it('echoes client pings, refuses streams the acceptor rejects, and ends on GOAWAY', async () => {
    const t = await session((st) => (st.header('port') ? undefined : '"port" header is required'));
    t.s.receive(pingFrame(7));
    await t.open(1, { streamtype: 'data' });
    await t.settle();
    const f = t.frames();
    expect(f[0]).toEqual({ kind: 'control', type: FrameType.Ping, flags: 0, payload: Buffer.from([0, 0, 0, 7]) }); // prettier-ignore
    expect(f[1]).toMatchObject({ kind: 'control', type: FrameType.RstStream });
    expect(f[1]?.kind === 'control' && f[1].payload.readUInt32BE(4)).toBe(RstStatus.RefusedStream);
    expect(t.s.error).toBe('"port" header is required');
    t.s.receive(controlFrame(FrameType.GoAway, 0, Buffer.alloc(8)));
    await t.settle();
    expect(t.isClosed()).toBe(true);
  });

  it('answers a broken header block with GOAWAY and closes', async () => {
    const t = await session();
    const bogus = synStreamFrame(1, Buffer.from('not zlib at all'));
    t.s.receive(bogus);
    await t.settle();
    expect(t.isClosed()).toBe(true);
    expect(t.frames().at(-1)).toMatchObject({ kind: 'control', type: FrameType.GoAway });
    expect(t.s.error).toMatch(/header block/);
  });
});
