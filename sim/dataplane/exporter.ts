/**
 * The monitoring sidecar of a real instance: queries the running server with its own CLI client
 * (`psql`, `mariadb`, `redis-cli`; the password goes in the client's environment, never in argv)
 * and renders the answer as Prometheus text with the metric names of postgres_exporter,
 * mysqld_exporter and redis_exporter. Every query has a timeout, and a server is asked at most once
 * per `minIntervalMs` (answers are cached and shared by concurrent scrapes). A server that does not
 * answer gives `<engine>_up 0`, as the real exporters do.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { InstanceInfo, RealEngine } from '../core/data-plane';
import { installedPostgres } from './postgres-versions';
import { EXPORTER_PREFIX, headSamples, metricLines, type Sample } from './exporter-text';

export { parsePrometheusText, type Sample } from './exporter-text';

/** Options of `InstanceExporter`. */
export interface ExporterOptions {
  /** Per query. Default 3 s. */
  timeoutMs?: number;
  /** At most one query per database per interval. Default 1 s. */
  minIntervalMs?: number;
  /** Where the CLI clients are looked for, in order. */
  binDirs?: string[];
}

// psql of the newest installed major reads every older server too.
const DEFAULT_BIN_DIRS = [
  ...installedPostgres().map((i) => i.binDir),
  '/usr/bin',
  '/usr/local/bin',
];
const CLIENTS: Record<RealEngine, string> = {
  postgres: 'psql',
  mariadb: 'mariadb',
  redis: 'redis-cli',
};

function findBinary(dirs: string[], name: string): string | undefined {
  return dirs.map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { PATH: '/usr/bin:/bin', LANG: 'C', ...env }, timeout: timeoutMs, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr).trim().split('\n')[0] ?? '';
          reject(new Error(`${file.split('/').pop() ?? file} failed: ${detail || error.message}`));
        } else resolve(String(stdout));
      },
    );
  });
}

const PG_QUERY = [
  "SELECT 'db', datname, xact_commit::text, xact_rollback::text, numbackends::text,",
  ' tup_inserted::text, tup_updated::text, tup_deleted::text, blks_hit::text, blks_read::text',
  ' FROM pg_stat_database WHERE datname IS NOT NULL',
  " UNION ALL SELECT 'repl', application_name, COALESCE(client_addr::text, ''),",
  ' COALESCE(EXTRACT(EPOCH FROM replay_lag), 0)::text,',
  ' pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text, state, NULL, NULL, NULL, NULL',
  ' FROM pg_stat_replication',
  " UNION ALL SELECT 'recovery', pg_is_in_recovery()::text,",
  ' COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::text,',
  ' NULL, NULL, NULL, NULL, NULL, NULL, NULL',
].join('');

const PG_DB_COLUMNS = [
  'xact_commit',
  'xact_rollback',
  'numbackends',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
  'blks_hit',
  'blks_read',
];
const PG_GAUGES = new Set(['numbackends']);

/** postgres_exporter-style samples from the tab-separated rows of `PG_QUERY`. */
export function postgresSamples(out: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of out.split('\n').filter((l) => l.length > 0)) {
    const [what, a = '', b = '', ...rest] = line.split('\t');
    if (what === 'db') {
      [b, ...rest].forEach((v, i) => {
        const col = PG_DB_COLUMNS[i] ?? '';
        samples.push({
          name: `pg_stat_database_${col}`,
          type: PG_GAUGES.has(col) ? 'gauge' : 'counter',
          help: `pg_stat_database.${col}`,
          labels: { datname: a },
          value: Number(v),
        });
      });
    } else if (what === 'repl') {
      const labels = { application_name: a, client_addr: b };
      samples.push(
        {
          name: 'pg_stat_replication_replay_lag_seconds',
          type: 'gauge',
          help: 'replay_lag of pg_stat_replication, seconds',
          labels,
          value: Number(rest[0]),
        },
        {
          name: 'pg_stat_replication_pg_wal_lsn_diff',
          type: 'gauge',
          help: 'bytes of WAL the standby has not replayed',
          labels,
          value: Number(rest[1] || 0),
        },
      );
    } else if (what === 'recovery') {
      samples.push(
        {
          name: 'pg_replication_is_replica',
          type: 'gauge',
          help: 'whether the server is a standby',
          value: a === 'true' ? 1 : 0,
        },
        {
          name: 'pg_replication_lag_seconds',
          type: 'gauge',
          help: 'seconds since the last replayed transaction (standbys; 0 on a primary)',
          value: a === 'true' ? Number(b) : 0,
        },
      );
    }
  }
  return samples;
}

const MYSQL_STATUS: Record<string, { name: string; type: Sample['type']; command?: string }> = {
  Threads_connected: { name: 'mysql_global_status_threads_connected', type: 'gauge' },
  Threads_running: { name: 'mysql_global_status_threads_running', type: 'gauge' },
  Questions: { name: 'mysql_global_status_questions', type: 'counter' },
  Queries: { name: 'mysql_global_status_queries', type: 'counter' },
  Uptime: { name: 'mysql_global_status_uptime', type: 'gauge' },
  Com_commit: { name: 'mysql_global_status_commands_total', type: 'counter', command: 'commit' },
  Com_rollback: {
    name: 'mysql_global_status_commands_total',
    type: 'counter',
    command: 'rollback',
  },
  Com_insert: { name: 'mysql_global_status_commands_total', type: 'counter', command: 'insert' },
  Com_select: { name: 'mysql_global_status_commands_total', type: 'counter', command: 'select' },
  Com_update: { name: 'mysql_global_status_commands_total', type: 'counter', command: 'update' },
  Handler_commit: {
    name: 'mysql_global_status_handlers_total',
    type: 'counter',
    command: 'commit',
  },
};

/** mysqld_exporter-style samples from `SHOW GLOBAL STATUS` rows (name TAB value). */
export function mysqlSamples(out: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of out.split('\n')) {
    const [key = '', value = ''] = line.split('\t');
    const m = MYSQL_STATUS[key];
    if (!m || !Number.isFinite(Number(value))) continue;
    const label = m.name.endsWith('handlers_total') ? 'handler' : 'command';
    samples.push({
      name: m.name,
      type: m.type,
      help: `SHOW GLOBAL STATUS ${m.command ? key.replace(/_[a-z]+$/, '_*') : key}`,
      ...(m.command ? { labels: { [label]: m.command } } : {}),
      value: Number(value),
    });
  }
  return samples;
}

const REDIS_INFO: Record<string, { name: string; type: Sample['type'] }> = {
  connected_clients: { name: 'redis_connected_clients', type: 'gauge' },
  blocked_clients: { name: 'redis_blocked_clients', type: 'gauge' },
  total_commands_processed: { name: 'redis_commands_processed_total', type: 'counter' },
  total_connections_received: { name: 'redis_connections_received_total', type: 'counter' },
  instantaneous_ops_per_sec: { name: 'redis_instantaneous_ops_per_sec', type: 'gauge' },
  keyspace_hits: { name: 'redis_keyspace_hits_total', type: 'counter' },
  keyspace_misses: { name: 'redis_keyspace_misses_total', type: 'counter' },
  used_memory: { name: 'redis_memory_used_bytes', type: 'gauge' },
  uptime_in_seconds: { name: 'redis_uptime_in_seconds', type: 'gauge' },
  connected_slaves: { name: 'redis_connected_slaves', type: 'gauge' },
};

/** redis_exporter-style samples from `INFO` (key:value lines). */
export function redisSamples(out: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf(':');
    const m = REDIS_INFO[line.slice(0, i)];
    const value = Number(line.slice(i + 1));
    if (i < 0 || !m || !Number.isFinite(value)) continue;
    samples.push({ ...m, help: `INFO ${line.slice(0, i)}`, value });
  }
  return samples;
}

interface Cached {
  at: number;
  text: Promise<string>;
}

/** Scrapes real instances, with a cache per instance. */
export class InstanceExporter {
  private readonly cache = new Map<string, Cached>();
  private readonly timeoutMs: number;
  private readonly minIntervalMs: number;
  private readonly binDirs: string[];
  /** How many queries reached a server (for tests of the cache). */
  queries = 0;

  constructor(options: ExporterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.binDirs = options.binDirs ?? DEFAULT_BIN_DIRS;
  }

  /** Prometheus text of the instance, at most `minIntervalMs` old. */
  scrape(info: InstanceInfo, nowMs = Date.now()): Promise<string> {
    const key = `${info.namespace}/${info.pod}`;
    const hit = this.cache.get(key);
    if (hit && nowMs - hit.at < this.minIntervalMs) return hit.text;
    const text = this.render(info);
    this.cache.set(key, { at: nowMs, text });
    return text;
  }

  private async render(info: InstanceInfo): Promise<string> {
    const prefix = EXPORTER_PREFIX[info.engine];
    let samples: Sample[];
    let up = 1;
    let failure = '';
    try {
      samples = await this.query(info);
    } catch (error) {
      samples = [];
      up = 0;
      failure = (error as Error).message;
      if (info.password) failure = failure.replaceAll(info.password, '***');
    }
    const head = headSamples(info.engine, up, false);
    const text = metricLines([...head, ...samples]);
    return failure ? `# ${prefix}_up is 0: ${failure.replace(/\s+/g, ' ')}\n${text}` : text;
  }

  private async query(info: InstanceInfo): Promise<Sample[]> {
    this.queries++;
    const bin = findBinary(this.binDirs, CLIENTS[info.engine]);
    if (!bin) throw new Error(`${CLIENTS[info.engine]} is not installed`);
    const port = String(info.port);
    switch (info.engine) {
      case 'postgres': {
        const args = ['-X', '-At', '-F', '\t', '-h', info.host, '-p', port, '-U', info.user];
        const out = await run(
          bin,
          [...args, '-d', 'postgres', '-c', PG_QUERY],
          { PGPASSWORD: info.password, PGCONNECT_TIMEOUT: '2' },
          this.timeoutMs,
        );
        return postgresSamples(out);
      }
      case 'mariadb': {
        const out = await run(
          bin,
          ['-N', '-B', '-h', info.host, '-P', port, '-u', info.user, '--connect-timeout=2'].concat([
            '-e',
            'SHOW GLOBAL STATUS',
          ]),
          { MYSQL_PWD: info.password },
          this.timeoutMs,
        );
        return mysqlSamples(out);
      }
      case 'redis': {
        const out = await run(
          bin,
          ['-h', info.host, '-p', port, '--no-auth-warning', 'INFO'],
          info.password ? { REDISCLI_AUTH: info.password } : {},
          this.timeoutMs,
        );
        if (/^-?(NOAUTH|WRONGPASS|ERR)/m.test(out)) throw new Error(out.trim().split('\n')[0]);
        return redisSamples(out);
      }
    }
  }
}
