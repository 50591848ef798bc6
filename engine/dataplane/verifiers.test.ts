/**
 * The data path's verifiers against real servers (PostgreSQL 15, MariaDB, Redis started by the
 * test): counts of the largest tables, read-only verification that refuses writes, the server's
 * own error message, timeouts, and no password in any message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/backup-servers';
import { createRedisVerifier } from '../redis';
import { createMysqlVerifier } from './mysql';
import { createPostgresVerifier } from './postgres';
import type { DataEndpoint } from './index';

let pg: TestServer;
let my: TestServer;
let rd: TestServer;

const endpointOf = (server: TestServer, timeoutMs = 10_000): DataEndpoint => ({
  host: server.info.host,
  port: server.info.port,
  username: server.info.user,
  password: server.info.password,
  timeoutMs,
});

beforeAll(async () => {
  [pg, my, rd] = await Promise.all([
    startTestServer('postgres', 'vpg'),
    startTestServer('mariadb', 'vmy'),
    startTestServer('redis', 'vrd'),
  ]);
  pg.query(
    'CREATE TABLE big (id int, v text); INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 2000) g;' +
      ' CREATE SCHEMA app; CREATE TABLE app.small (id int); INSERT INTO app.small VALUES (1), (2), (3); CREATE TABLE empty (id int);',
  );
  my.query(
    'CREATE DATABASE shop; CREATE TABLE shop.orders (id int PRIMARY KEY, v varchar(64)); CREATE TABLE shop.none (id int);' +
      " INSERT INTO shop.orders VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');",
  );
  rd.query('SET greeting hello');
  rd.query('SET other 1');
}, 120_000);

afterAll(async () => {
  await Promise.all([pg?.remove(), my?.remove(), rd?.remove()]);
}, 60_000);

describe('PostgreSQL verifier', () => {
  const verifier = createPostgresVerifier();

  it('counts the largest user tables exactly, biggest first, and a missing table as null', async () => {
    const counts = await verifier.counts(endpointOf(pg));
    expect(counts[0]).toEqual({ table: 'public.big', rows: 2000 });
    expect(counts).toContainEqual({ table: 'app.small', rows: 3 });
    expect(counts).toContainEqual({ table: 'public.empty', rows: 0 });
    expect(await verifier.counts(endpointOf(pg), ['public.big', 'public.gone'])).toEqual([
      { table: 'public.big', rows: 2000 },
      { table: 'public.gone', rows: null },
    ]);
  });

  it('runs verify.sql read-only: a result is summarised, a write and a missing table fail with the server’s message', async () => {
    expect(await verifier.verify(endpointOf(pg), 'SELECT count(*) AS n FROM big')).toBe(
      'verify.sql returned 1 row: n=2000',
    );
    await expect(verifier.verify(endpointOf(pg), 'DELETE FROM big')).rejects.toThrow(
      /verify\.sql failed: cannot execute DELETE in a read-only transaction/,
    );
    expect(pg.query('SELECT count(*) FROM big').trim()).toBe('2000');
    await expect(verifier.verify(endpointOf(pg), 'SELECT * FROM gone')).rejects.toThrow(
      'verify.sql failed: relation "gone" does not exist',
    );
  });

  it('stops a statement at the timeout, and never names the password', async () => {
    await expect(verifier.verify(endpointOf(pg, 1_000), 'SELECT pg_sleep(5)')).rejects.toThrow(
      /statement timeout/,
    );
    const wrong = { ...endpointOf(pg), password: 'not-the-password-xyz' };
    const error = await verifier.counts(wrong).then(
      () => new Error('connected'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/PostgreSQL did not accept the connection: password authentication failed/); // prettier-ignore
    expect(error.message).not.toContain('not-the-password-xyz');
  });
});

describe('MySQL/MariaDB verifier', () => {
  const verifier = createMysqlVerifier();

  it('counts the largest tables of every non-system database', async () => {
    const counts = await verifier.counts(endpointOf(my));
    expect(counts).toContainEqual({ table: 'shop.orders', rows: 4 });
    expect(counts).toContainEqual({ table: 'shop.none', rows: 0 });
    expect(counts.some((c) => c.table.startsWith('mysql.'))).toBe(false);
    expect(await verifier.counts(endpointOf(my), ['shop.gone'])).toEqual([
      { table: 'shop.gone', rows: null },
    ]);
  });

  it('runs verify.sql in a read-only transaction', async () => {
    expect(await verifier.verify(endpointOf(my), 'SELECT COUNT(*) AS n FROM shop.orders')).toBe(
      'verify.sql returned 1 row: n=4',
    );
    await expect(verifier.verify(endpointOf(my), 'DELETE FROM shop.orders')).rejects.toThrow(
      /verify\.sql failed: .*READ ONLY/i,
    );
    expect(my.query('SELECT COUNT(*) FROM shop.orders').trim()).toBe('4');
    await expect(verifier.verify(endpointOf(my), 'SELECT * FROM shop.gone')).rejects.toThrow(
      /verify\.sql failed: Table 'shop\.gone' doesn't exist/,
    );
  });
});

describe('Redis verifier', () => {
  const verifier = createRedisVerifier();

  it('counts keys, runs an allow-listed command and refuses any other', async () => {
    expect(await verifier.counts(endpointOf(rd))).toEqual([{ table: 'keys', rows: 2 }]);
    expect(await verifier.verify(endpointOf(rd), 'GET greeting')).toBe('GET answered hello');
    expect(await verifier.verify(endpointOf(rd), 'exists greeting other')).toBe(
      'EXISTS answered 2',
    );
    await expect(verifier.verify(endpointOf(rd), 'FLUSHALL')).rejects.toThrow(
      /verify\.command must be one of the read-only commands .* \(got FLUSHALL\)/,
    );
    expect(rd.query('DBSIZE').trim()).toBe('2');
    const wrong = { ...endpointOf(rd), password: 'not-the-password-xyz' };
    const error = await verifier.counts(wrong).then(
      () => new Error('connected'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/Redis did not accept the connection/);
    expect(error.message).not.toContain('not-the-password-xyz');
  });
});
