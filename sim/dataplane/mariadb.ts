/**
 * MariaDB 10.11 from Debian, serving both the MariaDB and the MySQL kinds: `mariadb-install-db`
 * once, then `mariadbd` (with `--user=root` when the simulator is root). After every start the auth
 * secret's user gets its password at `'%'` and `localhost` (root@localhost keeps unix_socket as an
 * alternative, so local tools of the simulator's own user still work), like KubeDB's auth secret.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { commandError, mib, myString, type EngineStarter, type InstanceContext } from './engine';
import { commandVersion, isRoot, run } from './process';

export const MARIADBD = '/usr/sbin/mariadbd';

let cachedVersion: string | undefined;

/** The instance's own temp dir (MariaDB's temp tables must not meet another server's in /tmp). */
function tmp(ctx: InstanceContext): string {
  const dir = join(ctx.home, 'tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function quoteUser(user: string, host: string): string {
  return `${myString(user)}@${myString(host)}`;
}

/** The SQL that gives the spec's user its password on every host pattern KubeDB uses. */
export function credentialSql(user: string, password: string): string {
  const pw = myString(password);
  const lines: string[] = [];
  if (user === 'root') {
    lines.push(
      `ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(${pw});`,
    );
  } else {
    lines.push(
      `CREATE USER IF NOT EXISTS ${quoteUser(user, 'localhost')} IDENTIFIED BY ${pw};`,
      `ALTER USER ${quoteUser(user, 'localhost')} IDENTIFIED BY ${pw};`,
      `GRANT ALL PRIVILEGES ON *.* TO ${quoteUser(user, 'localhost')} WITH GRANT OPTION;`,
    );
  }
  lines.push(
    `CREATE USER IF NOT EXISTS ${quoteUser(user, '%')} IDENTIFIED BY ${pw};`,
    `ALTER USER ${quoteUser(user, '%')} IDENTIFIED BY ${pw};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${quoteUser(user, '%')} WITH GRANT OPTION;`,
    'FLUSH PRIVILEGES;',
  );
  return `${lines.join('\n')}\n`;
}

/** The MariaDB starter (for the MariaDB and MySQL kinds). */
export function mariadbStarter(): EngineStarter {
  const client = (
    ctx: InstanceContext,
    sql: string,
    password?: string,
  ): Promise<{ code: number; stderr: string; stdout: string }> =>
    run(
      '/usr/bin/mariadb',
      ['--no-defaults', '--protocol=socket', '-S', ctx.socket, '-u', ctx.spec.user, '--batch'],
      {
        input: sql,
        timeoutMs: 120_000,
        ...(password !== undefined ? { env: { MYSQL_PWD: password } } : {}),
      },
    );
  return {
    engine: 'mariadb',
    binary: MARIADBD,
    containerPort: 3306,
    stopSignal: 'SIGTERM',
    socketIsDir: false,
    machineVersion() {
      cachedVersion ??= commandVersion(MARIADBD, ['--version']);
      return cachedVersion;
    },
    async initialize(ctx) {
      mkdirSync(ctx.dataDir, { recursive: true, mode: 0o750 });
      const result = await run(
        '/usr/bin/mariadb-install-db',
        [
          '--no-defaults',
          `--datadir=${ctx.dataDir}`,
          '--skip-test-db',
          '--skip-name-resolve',
        ].concat(
          isRoot()
            ? ['--user=root', '--auth-root-authentication-method=socket']
            : ['--auth-root-authentication-method=normal'],
        ),
        { timeoutMs: 120_000 },
      );
      if (result.code !== 0) throw commandError('mariadb-install-db', result);
      return true;
    },
    command(ctx) {
      return {
        command: MARIADBD,
        args: [
          '--no-defaults',
          `--datadir=${ctx.dataDir}`,
          `--socket=${ctx.socket}`,
          `--port=${ctx.port}`,
          '--bind-address=127.0.0.1',
          `--pid-file=${join(ctx.home, 'mariadbd.pid')}`,
          `--tmpdir=${tmp(ctx)}`,
          `--innodb-buffer-pool-size=${mib(ctx.spec.memoryLimitBytes, 0.25, 16, 64)}M`,
          '--innodb-log-file-size=16M',
          '--performance-schema=OFF',
          '--skip-name-resolve',
          '--max-connections=50',
          '--key-buffer-size=1M',
          '--aria-pagecache-buffer-size=8M',
          ...(isRoot() ? ['--user=root'] : []),
        ],
      };
    },
    async probe(ctx) {
      // `ping` exits 0 as soon as the server answers, even when the login is refused.
      const result = await run(
        '/usr/bin/mariadb-admin',
        ['--no-defaults', '--protocol=socket', '-S', ctx.socket, '--connect-timeout=2', 'ping'],
        { timeoutMs: 5000 },
      );
      return result.code === 0;
    },
    async configure(ctx) {
      const sql = credentialSql(ctx.spec.user, ctx.spec.password);
      // First with the password (later starts), then without (right after install: unix_socket
      // as root, or a password-less root when the simulator is not root).
      let result = await client(ctx, sql, ctx.spec.password);
      if (result.code !== 0) result = await client(ctx, sql);
      if (result.code !== 0 && ctx.spec.user !== 'root') {
        const root = { ...ctx, spec: { ...ctx.spec, user: 'root' } };
        result = await client(root, sql);
      }
      if (result.code !== 0) throw commandError('setting the credentials', result);
    },
    async runInitScripts(ctx, scripts) {
      for (const [index, script] of scripts.entries()) {
        const result = await client(ctx, script, ctx.spec.password);
        if (result.code !== 0) throw commandError(`init script ${index + 1}`, result);
      }
    },
  };
}
