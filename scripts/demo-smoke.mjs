// CI's first step: `npm run demo` in a checkout, as a newcomer runs it first on a fresh machine
// (it must install what it needs itself), checked from the outside and then stopped.
//
//   node scripts/demo-smoke.mjs --checkout DIR [--data-dir DIR] [--timeout-seconds 900]
//
// Waits (with the timeout) for `engine ready on URL`; checks that the console page and the health
// route answer, that the admin password came as one JSON log line marked secretOnce, and that the
// printed `kubectl --kubeconfig …` line works (when kubectl is installed), and that the demo's real
// data is there (scripts/lib/demo-checks.mjs): through that kubeconfig, `kubectl port-forward` and
// psql / mariadb with the `<name>-auth` secrets count the 250 sample rows of `orders` and
// `ledger.entries`, and with the logged admin password the API lists the demo's S3 storage and the
// backup policy of `orders`. Where the demo may install its packages (root with apt-get, as in CI)
// those are required; elsewhere a part the demo says it runs without is reported as not tried.
// Then stops the demo's whole process group and fails if any process of it survives. Plain Node:
// it runs before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDemoData } from './lib/demo-checks.mjs';
import { canInstallSystemPackages } from './lib/setup.mjs';

const { values } = parseArgs({
  options: {
    checkout: { type: 'string' },
    'data-dir': { type: 'string' },
    'timeout-seconds': { type: 'string', default: '900' },
  },
});
if (!values.checkout) {
  process.stderr.write('usage: node scripts/demo-smoke.mjs --checkout DIR [--data-dir DIR]\n');
  process.exit(2);
}
const checkout = resolve(values.checkout);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'dbaas-demo-smoke-'));

const say = (message) => process.stdout.write(`[demo-smoke] ${message}\n`);
const failures = [];
const check = (ok, what) => {
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

say(`npm run demo in ${checkout} (timeout ${timeoutMs / 1000} s)`);
const started = Date.now();
// Its own process group, so that stopping it reaches every child (npm, tsx, the engine, the sim).
const demo = spawn('npm', ['run', 'demo', '--', '--port', '0', '--data-dir', dataDir], {
  cwd: checkout,
  detached: true,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
const exited = new Promise((done) => demo.on('exit', (code, signal) => done(code ?? signal)));
for (const stream of [demo.stdout, demo.stderr]) {
  stream.on('data', (chunk) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
}

const url = await new Promise((done) => {
  const timer = setTimeout(() => done(null), timeoutMs);
  const poll = setInterval(() => {
    const match = /engine ready on (http:\/\/\S+)/.exec(output);
    if (match) {
      clearTimeout(timer);
      clearInterval(poll);
      done(match[1]);
    }
  }, 100);
  void exited.then(() => {
    clearTimeout(timer);
    clearInterval(poll);
    done(null);
  });
});

if (url === null) {
  check(false, `the demo printed "engine ready on URL" within ${timeoutMs / 1000} s`);
} else {
  say(`ready after ${Math.round((Date.now() - started) / 1000)} s at ${url}`);
  const page = await fetch(`${url}/`).catch(() => null);
  check(page?.status === 200, 'the console page answers 200');
  const health = await fetch(`${url}/api/v1/health`).catch(() => null);
  check(health?.status === 200, 'GET /api/v1/health answers 200');

  const lines = output.split('\n');
  const secret = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter((entry) => entry?.secretOnce === true && typeof entry.password === 'string');
  check(secret.length === 1, 'the admin password is one JSON log line marked secretOnce');
  if (secret.length === 1) {
    const password = secret[0].password;
    check(
      lines.filter((line) => line.includes(password)).length === 1,
      'no other line carries the password',
    );
  }

  const kubectlLine = lines.find((line) => line.trim().startsWith('kubectl --kubeconfig '));
  check(kubectlLine !== undefined, 'the demo prints a kubectl --kubeconfig line');
  const hasKubectl =
    spawnSync('sh', ['-c', 'command -v kubectl'], { stdio: 'ignore' }).status === 0;
  if (kubectlLine && hasKubectl) {
    const args = kubectlLine.trim().split(/\s+/).slice(1);
    const result = spawnSync('kubectl', [`--cache-dir=${join(dataDir, 'kube-cache')}`, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    process.stdout.write(result.stdout ?? '');
    check(result.status === 0, `kubectl with the printed line exits 0 (${result.stderr?.trim()})`);
  } else if (kubectlLine) {
    say('kubectl is not installed: the kubeconfig line is not tried');
  }

  const dataStarted = Date.now();
  const results = await checkDemoData({
    output,
    url,
    // The kubeconfig of the printed kubectl line, as a user would take it.
    kubeconfig:
      /--kubeconfig (\S+)/.exec(kubectlLine ?? '')?.[1] ?? join(dataDir, 'sandbox.kubeconfig'),
    cacheDir: join(dataDir, 'kube-cache'),
    realData: canInstallSystemPackages(),
    timeoutMs: 240_000,
  });
  for (const result of results)
    if (result.ok === null) say(`not tried: ${result.what}`);
    else check(result.ok, result.what);
  say(`data checks took ${Math.round((Date.now() - dataStarted) / 1000)} s`);
}

// Stop the whole group, then make sure nothing of it is left.
const groupAlive = () => {
  try {
    process.kill(-demo.pid, 0);
    return true;
  } catch {
    return false;
  }
};
if (groupAlive()) process.kill(-demo.pid, 'SIGTERM');
const deadline = Date.now() + 20_000;
while (groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
const survived = groupAlive();
if (survived) process.kill(-demo.pid, 'SIGKILL');
check(!survived, 'SIGTERM stops the demo and every process it started within 20 s');

if (!values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
say(failures.length === 0 ? 'passed' : `failed: ${failures.join('; ')}`);
process.exit(failures.length === 0 ? 0 : 1);
