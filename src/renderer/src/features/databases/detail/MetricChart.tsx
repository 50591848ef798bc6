import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { axisWidth, byteTicks, formatMetric } from './metric-format';

/** One series of `GET /databases/:id/metrics`. */
export interface MetricSeries {
  name: string;
  unit: string;
  points: [number | string, number][];
}

function toMs(t: number | string): number {
  if (typeof t === 'string') return Date.parse(t);
  return t < 1e12 ? t * 1000 : t;
}

/**
 * One series as a line chart: values in their unit (binary units for bytes, millicores for CPU) on
 * the axis and in the tooltip, with an axis wide enough for its labels. Without a size it fills
 * the ResponsiveContainer it is placed in.
 */
export function MetricChart({
  series,
  width,
  height,
}: {
  series: MetricSeries;
  width?: number;
  height?: number;
}) {
  const ticks = /^bytes?$/i.test(series.unit)
    ? byteTicks(Math.max(...series.points.map(([, v]) => v)))
    : undefined;
  return (
    <LineChart
      data={series.points.map(([t, v]) => ({ t: toMs(t), v }))}
      {...(width !== undefined ? { width } : {})}
      {...(height !== undefined ? { height } : {})}
    >
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
      <XAxis
        dataKey="t"
        type="number"
        domain={['dataMin', 'dataMax']}
        tickFormatter={(t: number) => new Date(t).toLocaleTimeString()}
      />
      <YAxis
        width={axisWidth(series.unit)}
        {...(ticks ? { ticks, domain: [0, ticks[ticks.length - 1]!] } : {})}
        tickFormatter={(v: number) => formatMetric(v, series.unit)}
      />
      <Tooltip
        labelFormatter={(t) => new Date(Number(t)).toLocaleString()}
        formatter={(v) => [formatMetric(Number(v), series.unit), series.name]}
      />
      <Line
        type="monotone"
        dataKey="v"
        stroke="var(--accent)"
        dot={false}
        isAnimationActive={false}
      />
    </LineChart>
  );
}
