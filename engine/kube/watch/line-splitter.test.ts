import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTooLongError } from './line-splitter';

describe('LineSplitter', () => {
  it('joins a line cut across chunks and returns every complete line of a chunk', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('{"type":"ADD'))).toEqual([]);
    expect(splitter.push(Buffer.from('ED"}\n{"a":1}\n{"b"'))).toEqual([
      '{"type":"ADDED"}',
      '{"a":1}',
    ]);
    expect(splitter.push(Buffer.from(':2}\n'))).toEqual(['{"b":2}']);
  });

  it('keeps a multi-byte character that a chunk boundary splits', () => {
    const bytes = Buffer.from('{"name":"café"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const splitter = new LineSplitter();
    expect(splitter.push(bytes.subarray(0, cut))).toEqual([]);
    expect(splitter.push(bytes.subarray(cut))).toEqual(['{"name":"café"}']);
  });

  it('drops blank lines and hands back an unterminated last line on flush', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('\n\n{"x":1}\n\n{"y"'))).toEqual(['{"x":1}']);
    expect(splitter.flush()).toBe('{"y"');
    expect(splitter.flush()).toBeUndefined();
  });

  it('refuses a line longer than its bound instead of buffering it', () => {
    const splitter = new LineSplitter(16);
    splitter.push(Buffer.from('0123456789'));
    expect(() => splitter.push(Buffer.from('0123456789'))).toThrow(LineTooLongError);
    expect(splitter.push(Buffer.from('ok\n'))).toEqual(['ok']);
  });
});
