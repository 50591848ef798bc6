/** The data path's clients by engine (composition, beside engine.ts: it names the adapters). */
import type { DataVerifiers } from './dataplane';
import { createMysqlVerifier } from './dataplane/mysql';
import { createPostgresVerifier } from './dataplane/postgres';
import { createRedisVerifier } from './redis';

export function openDataVerifiers(): DataVerifiers {
  const mysql = createMysqlVerifier();
  return {
    postgres: createPostgresVerifier(),
    mysql,
    mariadb: mysql,
    redis: createRedisVerifier(),
  };
}
