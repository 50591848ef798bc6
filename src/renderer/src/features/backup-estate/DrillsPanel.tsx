import { useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { BackupsApi, Database, DrillRun, RestoreDrillResponse } from '../../api';
import { durationText } from '../backups';
import { EmptyState, ErrorView, formatTime, href } from '../../ui';
import { DrillForm } from './DrillForm';

const COLOURS = ['var(--accent)', 'var(--ok)', 'var(--warn)', 'var(--error)', 'var(--muted)'];
/** Runs shown as pass/fail marks in the table; the chart shows every kept run (the last 20). */
const RECENT_RUNS = 5;

/** What a drill restores: its database's name, or the project. */
export function drillTarget(
  drill: RestoreDrillResponse,
  nameOf: (id: string) => string | undefined,
): string {
  if (drill.databaseId) return nameOf(drill.databaseId) ?? drill.databaseId;
  return `project ${drill.project ?? '?'}`;
}

/**
 * The RTO trend: one point per finished run with a measured RTO, one line per drill, by start time.
 * Returns the rows recharts draws and the drills that have a line.
 */
export function rtoTrend(drills: readonly RestoreDrillResponse[]): {
  rows: Record<string, number>[];
  lines: RestoreDrillResponse[];
} {
  const rows: Record<string, number>[] = [];
  const lines: RestoreDrillResponse[] = [];
  for (const drill of drills) {
    const measured = drill.runs.filter((r) => r.rtoSeconds !== null);
    if (measured.length === 0) continue;
    lines.push(drill);
    for (const run of measured)
      rows.push({ at: Date.parse(run.startedAt), [drill.id]: run.rtoSeconds! });
  }
  rows.sort((a, b) => a.at! - b.at!);
  return { rows, lines: lines.slice(0, COLOURS.length) };
}

function RunMark({ run }: { run: DrillRun }) {
  const text = run.passed === null ? 'running' : run.passed ? 'pass' : 'fail';
  const tone = run.passed === null ? 'badge-busy' : run.passed ? 'badge-ok' : 'badge-error';
  return (
    <span
      className={`badge ${tone}`}
      title={`${formatTime(run.startedAt)}: ${run.message}`}
      data-passed={String(run.passed)}
    >
      {text}
    </span>
  );
}

/** Restore drills: each with its last runs (pass/fail, RTO), the RTO trend, and a form for a new one. */
export function DrillsPanel({
  drills,
  error,
  stale,
  api,
  databases,
  disabledReason,
  onCreated,
}: {
  drills: readonly RestoreDrillResponse[] | null;
  error: unknown;
  stale: boolean;
  api: BackupsApi;
  databases: ReadonlyMap<string, Database>;
  disabledReason: string | null;
  onCreated: (drill: RestoreDrillResponse) => void;
}) {
  const [adding, setAdding] = useState(false);
  const nameOf = (id: string) => databases.get(id)?.name;
  const trend = useMemo(() => rtoTrend(drills ?? []), [drills]);
  return (
    <section className="panel" aria-labelledby="drills-title" data-testid="drills">
      <h3 id="drills-title">Restore drills</h3>
      {error !== null && (
        <ErrorView
          error={error}
          title={
            drills ? 'Not current: could not read the drills again' : 'Could not read the drills'
          }
        />
      )}
      {drills === null && error === null && <p className="muted">Reading the drills…</p>}
      {drills && drills.length === 0 && (
        <EmptyState title="No restore drills">
          A drill proves a backup can be restored, and measures how long it takes.
        </EmptyState>
      )}
      {drills && drills.length > 0 && (
        <table className="simple" aria-label="Restore drills" data-stale={String(stale)}>
          <thead>
            <tr>
              <th>Drill of</th>
              <th>Schedule</th>
              <th>Next run</th>
              <th>Last runs</th>
              <th>Last RTO</th>
            </tr>
          </thead>
          <tbody>
            {drills.map((d) => {
              const last = d.runs.at(-1);
              return (
                <tr key={d.id} data-testid={`drill-${d.id}`}>
                  <td>
                    {d.databaseId ? (
                      <a href={href(`/databases/${d.databaseId}`)}>{drillTarget(d, nameOf)}</a>
                    ) : (
                      drillTarget(d, nameOf)
                    )}
                  </td>
                  <td>
                    <code>{d.schedule}</code>
                  </td>
                  <td title={d.nextRunAt ? undefined : 'The schedule has no next run time'}>
                    {d.nextRunAt ? formatTime(d.nextRunAt) : 'not scheduled'}
                  </td>
                  <td>
                    {d.runs.length === 0 ? (
                      <span className="muted">first run starting</span>
                    ) : (
                      d.runs
                        .slice(-RECENT_RUNS)
                        .map((run, i) => <RunMark key={`${run.startedAt}-${i}`} run={run} />)
                    )}
                    {last && last.passed === false && <div className="muted">{last.message}</div>}
                  </td>
                  <td>{durationText(last?.rtoSeconds)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {trend.lines.length > 0 && (
        <figure className="chart" aria-label="RTO of the drills over time" data-testid="rto-trend">
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={trend.rows}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis
                dataKey="at"
                type="number"
                scale="time"
                domain={['dataMin', 'dataMax']}
                tickFormatter={(at: number) => new Date(at).toLocaleDateString()}
              />
              <YAxis width={60} tickFormatter={(s: number) => durationText(s)} />
              <Tooltip
                labelFormatter={(at) => new Date(Number(at)).toLocaleString()}
                formatter={(s) => durationText(Number(s))}
              />
              <Legend />
              {trend.lines.map((d, i) => (
                <Line
                  key={d.id}
                  dataKey={d.id}
                  name={drillTarget(d, nameOf)}
                  stroke={COLOURS[i]}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
      {adding ? (
        <DrillForm
          api={api}
          databases={[...databases.values()]}
          disabledReason={disabledReason}
          onCreated={(drill) => {
            setAdding(false);
            onCreated(drill);
          }}
        />
      ) : (
        <button
          type="button"
          onClick={() => setAdding(true)}
          disabled={disabledReason !== null}
          title={disabledReason ?? undefined}
        >
          New drill…
        </button>
      )}
    </section>
  );
}
