// npm test (= npm run check, and what CI runs): sets up what the tests need on this machine, runs
// the gates (types, lint, format, dependency rules), then every suite that can run here (vitest,
// then Playwright in Debian's Chromium), and ends with one plain line of counts.
//   npm test                 everything
//   npm test -- --no-e2e     skip Playwright (says so in the summary)
//   npm test -- PATTERN...   only vitest files matching PATTERN: no gates, no Playwright (says so)
// A failing gate fails the run and is named in the summary; the tests still run, so that one run
// shows everything that is wrong.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ALL_SYSTEM_PACKAGES,
  ensureSetup,
  freePort,
  log,
  run,
  startPrivateRedis,
} from './lib/setup.mjs';
import { runNeedsS3, startCephRgw, testS3Env } from './lib/ceph-rgw.mjs';
import { MONGO_WIRE_LABEL, runNeedsMongo, startMongoWire } from './lib/mongo-wire.mjs';

const args = process.argv.slice(2);
const noE2e = args.includes('--no-e2e');
const patterns = args.filter((a) => !a.startsWith('--'));
const targeted = patterns.length > 0;
const runE2e = !noE2e && !targeted;

/** The gates, cheapest first; each is a command that fails with a non-zero exit code. */
const GATES = [
  ['typecheck', 'npx', ['tsc', '-b']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
  ['format', 'npx', ['prettier', '--check', '.']],
  ['dependency rules', 'node', ['scripts/check-deps.mjs']],
];

ensureSetup(ALL_SYSTEM_PACKAGES);
if (targeted) {
  log(
    'a vitest filter was given: the gates (types, lint, format, dependency rules) and Playwright are skipped',
  );
}

const summary = [];
let exitCode = 0;
if (targeted) {
  summary.push({
    name: 'gates',
    skippedSuite:
      'skipped: a vitest filter was given; run npm test without one for types, lint, format and dependency rules',
  });
} else {
  const failedGates = [];
  for (const [name, command, commandArgs] of GATES) {
    log(`gate ${name}: ${command} ${commandArgs.join(' ')}`);
    const code = await spawnAndWait(command, commandArgs, process.env);
    if (code !== 0) failedGates.push(name);
  }
  summary.push({
    name: 'gates',
    passed: GATES.length - failedGates.length,
    failed: failedGates.length,
    skipped: 0,
    failedNames: failedGates,
  });
  if (failedGates.length > 0) exitCode = 1;
}

const work = mkdtempSync(join(tmpdir(), 'dbaas-test-'));
const redis = await startPrivateRedis(join(work, 'redis'));
log(`private Redis at ${redis.url}`);
let s3;
let mongo;
const cleanup = () => {
  redis.stop();
  mongo?.stop();
  s3?.stop();
  rmSync(work, { recursive: true, force: true });
};
// Interrupted (Ctrl-C, or CI's time budget): the private Redis and Ceph go too (the Ceph daemons
// also die with this process, by their parent-death signal).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    cleanup();
    process.exit(code);
  });
}

// One real S3 (a private Ceph RADOS Gateway) for the whole run, when the run has S3 tests: every
// full run; a targeted one only when a filter names an S3 file (or TEST_S3=1). One given in
// TEST_S3_* is used as it is.
const s3Env = {};
if (process.env.TEST_S3_ENDPOINT) {
  log(`using the S3 at ${process.env.TEST_S3_ENDPOINT} (TEST_S3_ENDPOINT)`);
} else if (runNeedsS3(patterns, process.env)) {
  try {
    s3 = await startCephRgw();
    Object.assign(s3Env, testS3Env(s3));
    log(`ceph rgw ready in ${(s3.startMs / 1000).toFixed(1)} s at ${s3.endpoint}`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    summary.push({ name: 'ceph rgw', passed: 0, failed: 1, skipped: 0, failedNames: ['start'] });
    exitCode = 1;
  }
} else {
  log(
    process.env.TEST_S3 === '0'
      ? 'no Ceph RGW: TEST_S3=0'
      : 'no Ceph RGW: no vitest filter names an S3 test file (TEST_S3=1 starts one anyway)',
  );
}

// One MongoDB wire test server (not mongod: no mongod can be installed here) for the run's
// MongoDB suites, unless MONGODB_URL names a server.
const mongoEnv = {};
if (process.env.MONGODB_URL) {
  log('using the MongoDB at MONGODB_URL');
} else if (runNeedsMongo(patterns)) {
  try {
    mongo = await startMongoWire();
    mongoEnv.MONGODB_URL = mongo.url;
    log(`${MONGO_WIRE_LABEL} ready in ${mongo.startMs} ms at ${mongo.url}`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    summary.push({ name: 'mongo wire', passed: 0, failed: 1, skipped: 0, failedNames: ['start'] });
    exitCode = 1;
  }
}

try {
  if (runE2e) {
    log('building the renderer, main, preload and daemon bundles');
    run('npm', ['run', '--silent', 'build']);
  }

  // The keychain tests need a Secret Service: a private D-Bus session with an unlocked throwaway
  // keyring in a fresh HOME, so nothing touches the user's own keyring.
  const home = join(work, 'home');
  mkdirSync(join(home, '.cache'), { recursive: true });
  mkdirSync(join(home, '.local/share'), { recursive: true });
  const runtime = join(work, 'run');
  mkdirSync(runtime, { recursive: true });
  chmodSync(runtime, 0o700);
  const vitestJson = join(work, 'vitest.json');
  const vitestArgs = [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestJson}`,
    ...patterns,
  ];
  const vitestCode = await spawnAndWait(
    'dbus-run-session',
    [
      '--',
      'sh',
      '-c',
      `echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec npx ${vitestArgs.map(shellQuote).join(' ')}`,
    ],
    {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_RUNTIME_DIR: runtime,
      npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
      TEST_REDIS_URL: redis.url,
      ...s3Env,
      ...mongoEnv,
      DBAAS_REPO_ROOT: resolve('.'),
    },
  );
  const vitest = readVitestCounts(vitestJson);
  summary.push({ name: 'vitest', ...vitest });
  if (vitestCode !== 0 || vitest.failed > 0 || vitest.passed === 0) exitCode = 1;

  if (runE2e) {
    const pwJson = join(work, 'playwright.json');
    const port = await freePort();
    const pwCode = await spawnAndWait('npx', ['playwright', 'test', '--reporter=list,json'], {
      ...process.env,
      PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
      E2E_PORT: String(port),
      E2E_DATA_DIR: join(work, 'e2e-data'),
      TEST_REDIS_URL: redis.url,
      ...s3Env,
    });
    const pw = readPlaywrightCounts(pwJson);
    summary.push({ name: 'playwright', ...pw });
    if (pwCode !== 0 || pw.failed > 0 || pw.passed === 0) exitCode = 1;
  } else {
    summary.push({
      name: 'playwright',
      skippedSuite: noE2e ? 'skipped by --no-e2e' : 'skipped: a vitest filter was given',
    });
  }
} catch (error) {
  process.stderr.write(`test run failed: ${error.message}\n`);
  exitCode = 1;
} finally {
  cleanup();
}

let passed = 0;
let failed = 0;
let skipped = 0;
process.stdout.write('\n');
for (const part of summary) {
  if (part.skippedSuite) {
    process.stdout.write(`${part.name} suite SKIPPED (${part.skippedSuite})\n`);
    continue;
  }
  const names = part.failedNames?.length ? ` (failed: ${part.failedNames.join(', ')})` : '';
  process.stdout.write(
    `${part.name}: ${part.passed} passed, ${part.failed} failed, ${part.skipped} skipped${names}\n`,
  );
  passed += part.passed;
  failed += part.failed;
  skipped += part.skipped;
}
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(exitCode || (failed > 0 ? 1 : 0));

function spawnAndWait(command, commandArgs, env) {
  return new Promise((resolveCode) => {
    const child = spawn(command, commandArgs, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolveCode(1));
  });
}

function shellQuote(value) {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function readVitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  return {
    passed: report.numPassedTests ?? 0,
    // A file that fails to load has no failed test of its own: count it as one failure each, also
    // when other files have failed tests.
    failed: (report.numFailedTests ?? 0) + unloadedFiles(report),
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** Test files that failed without a failed test: they did not load (or failed outside a test). */
function unloadedFiles(report) {
  return (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}

function readPlaywrightCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const stats = JSON.parse(readFileSync(file, 'utf8')).stats ?? {};
  return {
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: stats.unexpected ?? 0,
    skipped: stats.skipped ?? 0,
  };
}
