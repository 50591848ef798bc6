// @vitest-environment happy-dom
import { cleanup, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricChart, type MetricSeries } from './MetricChart';

const start = Date.parse('2026-01-01T00:00:00Z');
const points = (values: number[]): [number, number][] =>
  values.map((v, i) => [start + i * 30_000, v]);

async function axisLabels(series: MetricSeries): Promise<{ labels: string[]; width: number }> {
  const { container } = render(<MetricChart series={series} width={480} height={160} />);
  const ticks = () => [
    ...container.querySelectorAll(
      '.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
    ),
  ];
  // The axes render a moment after the plot.
  await waitFor(() => expect(ticks().length).toBeGreaterThan(2));
  const labels = ticks().map((tick) => tick.textContent ?? '');
  // The plot starts right of the y-axis: its left edge is the axis width.
  const grid = container.querySelector('.recharts-cartesian-grid-horizontal line');
  return { labels, width: Number(grid?.getAttribute('x1') ?? 0) };
}

describe('a metric chart', () => {
  afterEach(cleanup);

  it('labels a memory axis in binary units, wide enough not to clip them', async () => {
    const { labels, width } = await axisLabels({
      name: 'memory',
      unit: 'bytes',
      points: points([805_306_368, 1_073_741_824, 1_288_490_189]),
    });
    expect(labels.length).toBeGreaterThan(2);
    for (const label of labels) expect(label).toMatch(/^\d+(\.\d+)? (B|KiB|MiB|GiB)$/);
    expect(labels).toEqual(['0 B', '512 MiB', '1 GiB', '1.5 GiB']);
    const longest = Math.max(...labels.map((label) => label.length));
    // About 7 px a character at the chart's font size, plus the tick line and its gap.
    expect(width).toBeGreaterThanOrEqual(longest * 7 + 16);
  });

  it('labels a CPU axis in cores and millicores', async () => {
    const { labels } = await axisLabels({
      name: 'cpu',
      unit: 'cores',
      points: points([0.1, 0.25, 0.4]),
    });
    expect(labels.length).toBeGreaterThan(2);
    for (const label of labels) expect(label).toMatch(/^\d+(\.\d+)?m?$/);
    expect(labels).toContain('0');
    expect(labels.some((label) => label.endsWith('m'))).toBe(true);
  });
});
