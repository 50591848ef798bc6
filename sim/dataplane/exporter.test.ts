/**
 * The exporter against real servers: a Redis started here (its counters grow with commands), the
 * one-query-per-second cache, the timeout against a server that never answers, a wrong password
 * (`redis_up 0`, the password never in the text), and the Prometheus text format both ways.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceInfo } from '../core/data-plane';
import { InstanceExporter, parsePrometheusText, postgresSamples, redisSamples } from './exporter';
import { metricLines, simulatedExporterText } from './exporter-text';
import { startRedis, type TestServer } from './exporter-test-servers';

let redis: TestServer;
let silent: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  redis = await startRedis('cache-0');
  // Accepts connections and never says a word: a hung server.
  silent = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
}, 30_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await redis?.stop();
});

const valueOf = (text: string, name: string) =>
  parsePrometheusText(text).samples.find((s) => s.name === name)?.value;

describe('InstanceExporter', () => {
  it('reads Redis counters that grow with the commands sent', async () => {
    const exporter = new InstanceExporter({ minIntervalMs: 0 });
    const first = await exporter.scrape(redis.info);
    expect(valueOf(first, 'redis_up')).toBe(1);
    expect(valueOf(first, 'sim_simulated')).toBe(0);
    const before = valueOf(first, 'redis_commands_processed_total') ?? NaN;
    for (let i = 0; i < 5; i++) await redis.client(['SET', `k${i}`, 'v']);
    const after = await exporter.scrape(redis.info);
    expect(valueOf(after, 'redis_commands_processed_total')).toBeGreaterThanOrEqual(before + 5);
    expect(valueOf(after, 'redis_connected_clients')).toBeGreaterThanOrEqual(1);
    expect(parsePrometheusText(after).types.get('redis_commands_processed_total')).toBe('counter');
  });

  it('asks a server at most once per interval, sharing one answer between scrapes', async () => {
    const exporter = new InstanceExporter({ minIntervalMs: 1000 });
    const t0 = Date.now();
    const [a, b] = await Promise.all([
      exporter.scrape(redis.info, t0),
      exporter.scrape(redis.info, t0),
    ]);
    await exporter.scrape(redis.info, t0 + 900);
    expect(exporter.queries).toBe(1);
    expect(a).toBe(b);
    await exporter.scrape(redis.info, t0 + 1000);
    expect(exporter.queries).toBe(2);
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const hung: InstanceInfo = { ...redis.info, port };
    const exporter = new InstanceExporter({ timeoutMs: 500 });
    const started = Date.now();
    const text = await exporter.scrape(hung);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(valueOf(text, 'redis_up')).toBe(0);
  });

  it('reports a wrong password as redis_up 0 without showing it', async () => {
    const wrong: InstanceInfo = { ...redis.info, password: 'not-the-password-42' };
    const text = await new InstanceExporter().scrape(wrong);
    expect(valueOf(text, 'redis_up')).toBe(0);
    expect(text).not.toContain('not-the-password-42');
    expect(text).not.toContain(redis.info.password);
  });
});

describe('Prometheus text', () => {
  it('round-trips samples with escaped labels', () => {
    const text = metricLines([
      { name: 'a_total', type: 'counter', help: 'x', labels: { q: 'say "hi"\\n' }, value: 3 },
      { name: 'a_total', type: 'counter', help: 'x', labels: { q: 'b' }, value: 4 },
    ]);
    expect(text.match(/# TYPE a_total counter/g)).toHaveLength(1);
    const parsed = parsePrometheusText(text);
    expect(parsed.samples).toEqual([
      { name: 'a_total', labels: { q: 'say "hi"\\n' }, value: 3 },
      { name: 'a_total', labels: { q: 'b' }, value: 4 },
    ]);
  });

  it('rejects a line that is not a sample', () => {
    expect(() => parsePrometheusText('ok 1\nnot a sample here\n')).toThrow(/line 2/);
    expect(() => parsePrometheusText('m{a=b} 1\n')).toThrow(/malformed labels/);
  });

  it('maps PostgreSQL and Redis answers to exporter names', () => {
    const pg = postgresSamples(
      'db\tapp\t10\t1\t2\t3\t4\t5\t6\t7\nrepl\tpg-1\t10.0.0.2\t0.5\t1024\tstreaming\t\t\t\t\nrecovery\tfalse\t0\t\t\t\t\t\t\t\n',
    );
    expect(pg.find((s) => s.name === 'pg_stat_database_xact_commit')).toMatchObject({
      labels: { datname: 'app' },
      value: 10,
      type: 'counter',
    });
    expect(pg.find((s) => s.name === 'pg_stat_database_numbackends')?.type).toBe('gauge');
    expect(pg.find((s) => s.name === 'pg_stat_replication_replay_lag_seconds')?.value).toBe(0.5);
    expect(pg.find((s) => s.name === 'pg_stat_replication_pg_wal_lsn_diff')?.value).toBe(1024);
    const rd = redisSamples('# Stats\r\ntotal_commands_processed:42\r\nconnected_clients:3\r\n');
    expect(rd.map((s) => [s.name, s.value])).toEqual([
      ['redis_commands_processed_total', 42],
      ['redis_connected_clients', 3],
    ]);
  });

  it('makes simulated values growing counters, labelled sim_simulated 1', () => {
    const at = (ms: number) => simulatedExporterText('redis', 'k', 0, ms);
    expect(valueOf(at(60_000), 'sim_simulated')).toBe(1);
    expect(valueOf(at(120_000), 'redis_commands_processed_total')).toBeGreaterThan(
      valueOf(at(60_000), 'redis_commands_processed_total') ?? Infinity,
    );
  });
});
