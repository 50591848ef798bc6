/**
 * Splits a byte stream into lines as the chunks arrive. A watch stream is newline-delimited JSON
 * whose chunks cut events anywhere (even inside a multi-byte character), so bytes are kept until a
 * newline completes a line. The pending bytes are bounded: a server that never sends a newline
 * cannot make the engine hold an unbounded buffer.
 */
export class LineTooLongError extends Error {
  constructor(readonly limitBytes: number) {
    super(`a watch event is longer than ${limitBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

/** Default bound of one line: well above etcd's 1.5 MiB object limit, with JSON overhead. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Incremental newline splitter; `push` returns the complete lines a chunk finished. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  /** Complete lines (without the newline, empty lines dropped); throws LineTooLongError. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, index);
      this.check(this.pendingBytes + piece.length);
      // Decoding only whole lines keeps characters split across chunks intact.
      const line =
        this.pendingBytes === 0
          ? piece.toString('utf8')
          : Buffer.concat([...this.pending, piece]).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      if (line.trim() !== '') lines.push(line);
      start = index + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.check(this.pendingBytes + rest.length);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** The unterminated tail at the end of the stream, if any (a server may omit the last newline). */
  flush(): string | undefined {
    const tail = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return tail.trim() === '' ? undefined : tail;
  }

  private check(size: number): void {
    if (size > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      throw new LineTooLongError(this.maxLineBytes);
    }
  }
}
