import { useEffect, useState } from 'react';
import { ResponsiveContainer } from 'recharts';
import type { ApiClient, MetricsResponse } from '../../../api';
import { EmptyState, ErrorView } from '../../../ui';
import { captionUnit } from './metric-format';
import { MetricChart } from './MetricChart';
import { sectionData, sectionError, type Section } from './use-database-detail';

const RANGES = ['15m', '1h', '6h', '24h'] as const;

/**
 * CPU and memory over a chosen range. The last hour comes with the detail read (`lastHour`); only
 * another range is read by itself, from `GET /databases/:id/metrics`. A failed read shows its error,
 * never another database's charts.
 */
export function MetricsPanel({
  client,
  databaseId,
  lastHour,
  error: detailError,
}: {
  client: ApiClient;
  databaseId: string;
  lastHour: Section<MetricsResponse>;
  error: unknown;
}) {
  const [range, setRange] = useState<(typeof RANGES)[number]>('1h');
  const [other, setOther] = useState<{ range: string; metrics: MetricsResponse } | null>(null);
  const [otherError, setOtherError] = useState<unknown>(null);

  useEffect(() => {
    if (range === '1h') return;
    let live = true;
    setOtherError(null);
    client
      .request<MetricsResponse>(
        'GET',
        `/api/v1/databases/${encodeURIComponent(databaseId)}/metrics?range=${range}`,
      )
      .then((answer) => live && setOther({ range, metrics: answer }))
      .catch((failure: unknown) => live && setOtherError(failure));
    return () => {
      live = false;
    };
  }, [client, databaseId, range]);

  const metrics =
    range === '1h' ? sectionData(lastHour) : other?.range === range ? other.metrics : null;
  const error = range === '1h' ? (detailError ?? sectionError(lastHour)) : otherError;
  const charts = (metrics?.series ?? []).filter((s) => /cpu|memory/i.test(s.name));
  return (
    <section className="panel" aria-labelledby="metrics-title" data-testid="metrics-panel">
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
      <ErrorView error={error} title="The metrics could not be read" />
      {metrics && charts.length === 0 ? (
        <EmptyState title="No samples in this range">
          Pick a longer range, or wait for the first samples.
        </EmptyState>
      ) : (
        <div className="charts">
          {charts.map((series) => (
            <figure key={series.name} className="chart">
              <figcaption>
                {series.name} ({captionUnit(series.unit)})
              </figcaption>
              <ResponsiveContainer width="100%" height={160}>
                <MetricChart series={series} />
              </ResponsiveContainer>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
