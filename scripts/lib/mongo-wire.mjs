// Starts the MongoDB wire test server (test/helpers/mongo-wire-server.py: Debian's mockupdb for the
// wire protocol, mongomock for query/update semantics), which is NOT mongod, on a free loopback
// port. It dies with its parent (`setpriv --pdeathsig KILL`); stop() ends it by pid.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MONGO_WIRE_LABEL = 'MongoDB wire test server, not mongod';
const SCRIPT = fileURLToPath(new URL('../../test/helpers/mongo-wire-server.py', import.meta.url));
/** Debian's python3: the one apt installed python3-mockupdb and python3-mongomock for. */
export const MONGO_WIRE_PYTHON = '/usr/bin/python3';

/** Test files that use MONGODB_URL. */
const MONGO_TEST_FILES = /mongo|shared-mode/i;

/** True when the server's Python modules are installed. */
export function mongoWireAvailable() {
  return (
    spawnSync(MONGO_WIRE_PYTHON, ['-c', 'import mockupdb, mongomock'], { stdio: 'ignore' })
      .status === 0
  );
}

/** True when a run with these vitest file filters has a MongoDB test (no filter: every file). */
export function runNeedsMongo(filters) {
  return filters.length === 0 || filters.some((f) => MONGO_TEST_FILES.test(f));
}

/**
 * Starts one; resolves once it answers `hello` (it prints `listening <port>` after binding, then
 * a `hello` over the wire is checked). `ttlSeconds`: the TTL pass interval (mongod's is 60 s).
 */
export function startMongoWire(options = {}) {
  const started = Date.now();
  const args = ['--pdeathsig', 'KILL', '--', MONGO_WIRE_PYTHON, SCRIPT, '--port', '0'];
  if (options.ttlSeconds !== undefined) args.push('--ttl-seconds', String(options.ttlSeconds));
  const child = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(new Error(`${MONGO_WIRE_LABEL}: ${why}: ${stderr.slice(-500)}`));
    };
    const timer = setTimeout(() => fail('no hello answer after 15 s'), 15_000);
    child.on('exit', (code) => fail(`exited (${code})`));
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (!match) return;
      const port = Number(match[1]);
      const hello = spawnSync(
        MONGO_WIRE_PYTHON,
        [
          '-c',
          `import pymongo; c = pymongo.MongoClient('127.0.0.1', ${port}, directConnection=True, serverSelectionTimeoutMS=5000); assert c.admin.command('hello')['maxWireVersion'] == 21`,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      if (hello.status !== 0) return fail(`hello failed: ${hello.stderr}`);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        port,
        pid: child.pid,
        url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
        startMs: Date.now() - started,
        stop: () => {
          if (child.exitCode === null) child.kill('SIGKILL');
        },
      });
    });
  });
}
