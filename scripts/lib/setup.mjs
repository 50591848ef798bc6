// Shared set-up for every README entry point (npm test, npm run demo/serve/sim, npm start): system
// packages, npm dependencies, and a private Redis. Plain Node so that it runs before node_modules
// exists. The order matters on a fresh machine: `npm ci` compiles keytar against libsecret, so the
// system packages come first (ensureSetup).
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** System commands the test run needs, and the Debian package that brings each. */
const SYSTEM_NEEDS = [
  {
    check: () => has('redis-server'),
    pkg: 'redis-server',
    why: 'Redis for queue and rate-limit tests',
  },
  { check: () => has('chromium'), pkg: 'chromium', why: 'Chromium for the Playwright tests' },
  {
    check: () => has('dbus-run-session'),
    pkg: 'dbus-daemon',
    why: 'a private D-Bus for the keychain tests',
  },
  {
    check: () => has('gnome-keyring-daemon'),
    pkg: 'gnome-keyring',
    why: 'a throwaway keyring for keytar',
  },
  {
    check: () => spawnSync('pkg-config', ['--exists', 'libsecret-1']).status === 0,
    pkg: 'libsecret-1-dev',
    why: 'libsecret headers to build keytar',
  },
  { check: () => has('pkg-config'), pkg: 'pkg-config', why: 'to find libsecret' },
  { check: () => has('restic'), pkg: 'restic', why: 'restic for the backup tests' },
  {
    check: () => has('haproxy') || existsSync('/usr/sbin/haproxy'),
    pkg: 'haproxy',
    why: 'a load balancer in front of the shared-mode replicas',
  },
  {
    // Debian's python3 (/usr/bin), not a pyenv one: the modules are apt's.
    check: () => pythonImports('mockupdb'),
    pkg: 'python3-mockupdb',
    why: 'the wire protocol of the MongoDB wire test server',
  },
  {
    check: () => pythonImports('mongomock'),
    pkg: 'python3-mongomock',
    why: 'the query semantics of the MongoDB wire test server',
  },
  {
    // Debian keeps initdb and postgres off PATH, in /usr/lib/postgresql/<major>/bin.
    check: () => postgresBinDir() !== undefined,
    pkg: 'postgresql',
    why: 'PostgreSQL for real databases in the simulator',
  },
  {
    check: () => has('mariadbd') || existsSync('/usr/sbin/mariadbd'),
    pkg: 'mariadb-server',
    why: 'MariaDB for MariaDB and MySQL',
  },
  // Ceph's S3 gateway: installed apart, without recommends (which would pull in a whole cluster).
  {
    check: () => has('ceph-mon'),
    pkg: 'ceph-mon',
    why: 'a Ceph monitor for the test S3',
    lean: true,
  },
  { check: () => has('ceph-osd'), pkg: 'ceph-osd', why: 'a Ceph OSD for the test S3', lean: true },
  { check: () => has('radosgw'), pkg: 'radosgw', why: 'the Ceph RADOS Gateway (S3)', lean: true },
];

/** The bin directory of the newest PostgreSQL Debian installed, or undefined. */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  let majors;
  try {
    majors = readdirSync(root).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  majors.sort((a, b) => Number(b) - Number(a));
  const major = majors.find((m) => existsSync(join(root, m, 'bin', 'initdb')));
  return major === undefined ? undefined : join(root, major, 'bin');
}

/** Every system package of SYSTEM_NEEDS (what npm test needs). */
export const ALL_SYSTEM_PACKAGES = SYSTEM_NEEDS.map((n) => n.pkg);

function pythonImports(module) {
  return (
    spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0
  );
}

export function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

/**
 * Installs missing system packages with apt-get where we run as root on Debian; otherwise stops
 * with one line naming them.
 */
export function ensureSystemPackages(needs = ALL_SYSTEM_PACKAGES) {
  const missing = SYSTEM_NEEDS.filter((n) => needs.includes(n.pkg) && !n.check());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((m) => m.pkg))];
  const plain = [...new Set(missing.filter((m) => !m.lean).map((m) => m.pkg))];
  const lean = [...new Set(missing.filter((m) => m.lean).map((m) => m.pkg))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    process.stderr.write(
      `missing system packages: ${packages.join(' ')} (install them with apt-get install ${packages.join(' ')})\n`,
    );
    process.exit(1);
  }
  log(`installing system packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  if (plain.length > 0) run('apt-get', ['install', '-y', '-qq', ...plain], { env });
  if (lean.length > 0) {
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lean], { env });
  }
}

/**
 * What the demo's real data plane and S3 use (PostgreSQL, MariaDB, Redis servers; restic; Ceph's
 * gateway). Optional: installed where we may (root with apt-get), else the demo runs simulated.
 */
export const DEMO_DATA_NEEDS = [
  'postgresql',
  'mariadb-server',
  'redis-server',
  'restic',
  'ceph-mon',
  'ceph-osd',
  'radosgw',
];

/** Whether missing system packages can be installed here (root on Debian with apt-get). */
export function canInstallSystemPackages() {
  return typeof process.getuid === 'function' && process.getuid() === 0 && has('apt-get');
}

/** What `npm ci` itself needs on the system: keytar compiles against libsecret, found by pkg-config. */
export const BUILD_NEEDS = ['pkg-config', 'libsecret-1-dev'];

/** Whether npm dependencies are installed (npm ci leaves this file). */
export function hasNodeModules() {
  return existsSync(join('node_modules', '.package-lock.json'));
}

/**
 * What every entry point runs first: the system packages it `needs` — plus, when node_modules
 * must be installed, the ones npm ci builds with — and only then npm dependencies.
 */
export function ensureSetup(needs = []) {
  const install = !hasNodeModules();
  ensureSystemPackages(install ? [...new Set([...BUILD_NEEDS, ...needs])] : needs);
  if (install) ensureNodeModules();
}

/** Installs npm dependencies when node_modules is missing. Call ensureSetup, which runs this last. */
export function ensureNodeModules() {
  if (hasNodeModules()) return;
  log(
    'node_modules is missing: running npm ci (ELECTRON_SKIP_BINARY_DOWNLOAD=1, since the Electron binary cannot be downloaded here)',
  );
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    process.stderr.write(`${command} ${args.join(' ')} failed with exit code ${result.status}\n`);
    process.exit(result.status ?? 1);
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits for a condition, polling with a deadline; throws with `what` when it never holds. */
export async function waitFor(condition, what, timeoutMs = 10_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts a private Redis on a free loopback port, without persistence, and returns its URL and
 * a stop function that kills it by pid.
 */
export async function startPrivateRedis(workDir) {
  mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const pidFile = join(workDir, 'redis.pid');
  rmSync(pidFile, { force: true });
  run('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidFile,
    '--dir',
    workDir,
    '--logfile',
    join(workDir, 'redis.log'),
  ]);
  await waitFor(
    () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() ===
      'PONG',
    `redis on port ${port}`,
  );
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

export function gitRoot() {
  return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
}
