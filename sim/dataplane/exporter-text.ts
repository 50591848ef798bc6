/**
 * The Prometheus text exposition format (version 0.0.4) of the exporter endpoint: rendering samples,
 * parsing it back (tests, and anyone who wants numbers), and the clearly labelled made-up values of a
 * simulated database (`sim_simulated 1`).
 */
import type { RealEngine } from '../core/data-plane';

/** One sample of a metric family. */
export interface Sample {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  labels?: Record<string, string>;
  value: number;
}

/** The content type Prometheus scrapes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Renders samples, grouped by family, each family with its `# HELP` and `# TYPE` lines. */
export function metricLines(samples: Sample[]): string {
  const families = new Map<string, Sample[]>();
  for (const s of samples) families.set(s.name, [...(families.get(s.name) ?? []), s]);
  const lines: string[] = [];
  for (const [name, list] of families) {
    const first = list[0] as Sample;
    lines.push(`# HELP ${name} ${first.help.replace(/\n/g, ' ')}`, `# TYPE ${name} ${first.type}`);
    for (const s of list) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      lines.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A parsed sample line. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Parses Prometheus text; throws on a line that is neither a comment nor a valid sample. */
export function parsePrometheusText(text: string): {
  samples: ParsedSample[];
  types: Map<string, string>;
} {
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (t) types.set(t[1] as string, t[2] as string);
      return;
    }
    const m = SAMPLE_LINE.exec(line);
    const value = m ? Number(m[3]?.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) : NaN;
    if (!m || (Number.isNaN(value) && m[3] !== 'NaN'))
      throw new Error(`line ${i + 1} is not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`line ${i + 1} has malformed labels: ${line}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name: m[1] as string, labels, value });
  });
  return { samples, types };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

/** The metric-name prefix of each engine's exporter. */
export const EXPORTER_PREFIX: Record<RealEngine, string> = {
  postgres: 'pg',
  mariadb: 'mysql',
  redis: 'redis',
};

/** `<prefix>_up` and `sim_simulated`, the first two families of every answer. */
export function headSamples(
  engine: RealEngine | undefined,
  up: number,
  simulated: boolean,
): Sample[] {
  const sim: Sample = {
    name: 'sim_simulated',
    type: 'gauge',
    help: '1 when the values are made up by the simulator, 0 when read from a real server',
    value: simulated ? 1 : 0,
  };
  if (!engine) return [sim];
  const name = `${EXPORTER_PREFIX[engine]}_up`;
  return [
    { name, type: 'gauge', help: 'whether the last query of the server succeeded', value: up },
    sim,
  ];
}

/** The answer for a real instance that is not running (starting, stopped, failed). */
export function unreachableExporterText(engine: RealEngine): string {
  return metricLines(headSamples(engine, 0, false));
}

/** [name, type, per-second rate (counters) or level (gauges), labels] of the made-up metrics. */
type Made = [string, Sample['type'], number, Record<string, string>?];
const MADE_UP: Record<RealEngine, Made[]> = {
  postgres: [
    ['pg_stat_database_xact_commit', 'counter', 12, { datname: 'postgres' }],
    ['pg_stat_database_xact_rollback', 'counter', 0.2, { datname: 'postgres' }],
    ['pg_stat_database_numbackends', 'gauge', 6, { datname: 'postgres' }],
    ['pg_replication_lag_seconds', 'gauge', 0],
  ],
  mariadb: [
    ['mysql_global_status_threads_connected', 'gauge', 5],
    ['mysql_global_status_questions', 'counter', 30],
    ['mysql_global_status_commands_total', 'counter', 8, { command: 'commit' }],
  ],
  redis: [
    ['redis_connected_clients', 'gauge', 4],
    ['redis_commands_processed_total', 'counter', 50],
    ['redis_instantaneous_ops_per_sec', 'gauge', 50],
  ],
};

/**
 * Made-up exporter text for a simulated database: counters grow at a steady (seeded) rate since
 * `startedMs`, gauges hover around a level, and `sim_simulated 1` says that none of it is real.
 */
export function simulatedExporterText(
  engine: RealEngine | undefined,
  key: string,
  startedMs: number,
  nowMs: number,
): string {
  const seconds = Math.max(0, (nowMs - startedMs) / 1000);
  const samples: Sample[] = headSamples(engine, 1, true);
  for (const [name, type, rate, labels] of engine ? MADE_UP[engine] : []) {
    const scale = 0.5 + hash(`${key}/${name}`);
    const wobble = 1 + (hash(`${key}/${name}/${Math.floor(nowMs / 15_000)}`) - 0.5) * 0.4;
    const value =
      type === 'counter' ? Math.floor(seconds * rate * scale) : Math.round(rate * scale * wobble);
    samples.push({ name, type, help: `${name} (simulated)`, value, ...(labels ? { labels } : {}) });
  }
  return metricLines(samples);
}
