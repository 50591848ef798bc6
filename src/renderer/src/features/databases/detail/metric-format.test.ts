import { describe, expect, it } from 'vitest';
import { axisWidth, byteTicks, formatBytes, formatCores, formatMetric } from './metric-format';

describe('metric values for charts', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [268_435_456, '256 MiB'],
    [1_073_741_824, '1 GiB'],
    [1_288_490_189, '1.2 GiB'],
    [5 * 1024 ** 4, '5 TiB'],
  ])('writes %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('writes CPU as millicores below a core and cores from there', () => {
    expect(formatCores(0.25)).toBe('250m');
    expect(formatCores(0.0123)).toBe('12.3m');
    expect(formatCores(1.5)).toBe('1.5');
    expect(formatCores(0)).toBe('0');
  });

  it('picks the format by the series unit', () => {
    expect(formatMetric(2_147_483_648, 'bytes')).toBe('2 GiB');
    expect(formatMetric(0.5, 'cores')).toBe('500m');
    expect(formatMetric(3.14159, 'ops')).toBe('3.14');
  });

  it('puts byte ticks at binary steps', () => {
    expect(byteTicks(1_288_490_189)).toEqual([0, 0.5, 1, 1.5].map((g) => g * 1024 ** 3));
    expect(byteTicks(900)).toEqual([0, 256, 512, 768, 1024]);
    expect(byteTicks(0)).toBeUndefined();
  });

  it('makes the axis wide enough for the longest label of the unit', () => {
    // "1000 MiB" at about 7 px a character, plus the tick's margin.
    expect(axisWidth('bytes')).toBeGreaterThanOrEqual('1000 MiB'.length * 7);
    expect(axisWidth('cores')).toBeGreaterThanOrEqual('1000m'.length * 7);
  });
});
