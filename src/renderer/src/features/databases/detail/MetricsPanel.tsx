import { useEffect, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ApiError, type ApiClient, type MetricsResponse } from '../../../api';
import { EmptyState, ErrorView } from '../../../ui';

const RANGES = ['15m', '1h', '6h', '24h'] as const;

function toMs(t: number | string): number {
  if (typeof t === 'string') return Date.parse(t);
  return t < 1e12 ? t * 1000 : t;
}

/** CPU and memory over a chosen range, from `GET /databases/:id/metrics`; an empty state when the route is absent. */
export function MetricsPanel({ client, databaseId }: { client: ApiClient; databaseId: string }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>('1h');
  const [metrics, setMetrics] = useState<MetricsResponse | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    client
      .request<MetricsResponse>(
        'GET',
        `/api/v1/databases/${encodeURIComponent(databaseId)}/metrics?range=${range}`,
      )
      .then((answer) => {
        if (!live) return;
        setMetrics(answer);
        setMissing(false);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!live) return;
        if (failure instanceof ApiError && failure.status === 404) setMissing(true);
        else setError(failure);
      });
    return () => {
      live = false;
    };
  }, [client, databaseId, range]);

  const charts = (metrics?.series ?? []).filter((s) => /cpu|memory/i.test(s.name));
  return (
    <section className="panel" aria-labelledby="metrics-title">
      <div className="screen-head">
        <h3 id="metrics-title">CPU and memory</h3>
        <label>
          Range
          <select
            value={range}
            onChange={(e) => setRange(e.target.value as (typeof RANGES)[number])}
          >
            {RANGES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorView error={error} />
      {missing ? (
        <EmptyState title="No metrics from this engine yet">
          The engine does not serve database metrics; upgrade it to see CPU and memory here.
        </EmptyState>
      ) : metrics && charts.length === 0 ? (
        <EmptyState title="No samples in this range">
          Pick a longer range, or wait for the first samples.
        </EmptyState>
      ) : (
        <div className="charts">
          {charts.map((series) => (
            <figure key={series.name} className="chart">
              <figcaption>
                {series.name} ({series.unit})
              </figcaption>
              <ResponsiveContainer width="100%" height={160}>
                <LineChart data={series.points.map(([t, v]) => ({ t: toMs(t), v }))}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                  <XAxis
                    dataKey="t"
                    type="number"
                    domain={['dataMin', 'dataMax']}
                    tickFormatter={(t: number) => new Date(t).toLocaleTimeString()}
                  />
                  <YAxis width={50} />
                  <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
                  <Line
                    type="monotone"
                    dataKey="v"
                    stroke="var(--accent)"
                    dot={false}
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
