/**
 * `npm test` (scripts/test.mjs) runs the gates before the tests, fails when one fails, names it,
 * and still ends with the one plain counts line CI reads. The tools it calls through npx (tsc,
 * eslint, prettier, depcruise, vitest) are stand-ins here, told to pass or fail; Redis and the
 * rest of the machine are real.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'dbaas-test-command-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeCommand(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** Runs scripts/test.mjs in a copy of the scripts, with the npx tools in `failing` failing. */
function runTestCommand(name: string, args: string[], failing: string[]) {
  const dir = join(work, name);
  const bin = join(dir, 'bin');
  const checkout = join(dir, 'checkout');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(checkout, 'node_modules'), { recursive: true });
  writeFileSync(join(checkout, 'node_modules', '.package-lock.json'), '{}');
  cpSync(join(root, 'scripts'), join(checkout, 'scripts'), { recursive: true });
  const calls = join(dir, 'calls');
  writeCommand(
    join(bin, 'npx'),
    [
      'echo "$1" >> "$FAKE_CALLS"',
      `case " ${failing.join(' ')} " in *" $1 "*) echo "$1: planted failure" >&2; exit 1;; esac`,
      'if [ "$1" = vitest ]; then',
      '  for a in "$@"; do case "$a" in --outputFile.json=*)',
      '    echo \'{"numPassedTests":2,"numFailedTests":0,"numPendingTests":1}\' > "${a#--outputFile.json=}";;',
      '  esac; done',
      'fi',
      'exit 0',
    ].join('\n'),
  );
  // A session bus and keyring are not what is tested here: run the command they wrap.
  writeCommand(join(bin, 'dbus-run-session'), '[ "$1" = -- ] && shift; exec "$@"');
  writeCommand(join(bin, 'gnome-keyring-daemon'), 'cat >/dev/null; exit 0');
  const result = spawnSync(process.execPath, ['scripts/test.mjs', ...args], {
    cwd: checkout,
    encoding: 'utf8',
    // Under a full run's load the real Redis and start-up take longer than alone.
    timeout: 180_000,
    // vitest is a stand-in here: no Ceph RGW (TEST_S3=0; a real one would add ~14 s a run).
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      FAKE_CALLS: calls,
      TEST_S3: '0',
      TEST_S3_ENDPOINT: '',
      // Nor a MongoDB wire test server (its script is not in the copy): vitest never connects.
      MONGODB_URL: 'mongodb://127.0.0.1:9',
    },
  });
  const called = spawnSync('cat', [calls], { encoding: 'utf8' }).stdout.trim().split('\n');
  const lines = result.stdout.trim().split('\n');
  return { code: result.status, stdout: result.stdout, last: lines.at(-1), called };
}

describe('npm test', () => {
  it('runs typecheck, lint, format and dependency rules before vitest', () => {
    const run = runTestCommand('pass', ['--no-e2e'], []);
    expect(run.called).toEqual(['tsc', 'eslint', 'prettier', 'depcruise', 'vitest']);
    expect(run.stdout).toContain('gates: 4 passed, 0 failed, 0 skipped\n');
    expect(run.last).toBe('6 passed, 0 failed, 1 skipped');
    expect(run.code).toBe(0);
  });

  it('fails when a gate fails, names it in the summary, and still runs the tests', () => {
    const run = runTestCommand('lint-fails', ['--no-e2e'], ['eslint']);
    expect(run.called).toContain('vitest');
    expect(run.stdout).toContain('gates: 3 passed, 1 failed, 0 skipped (failed: lint)\n');
    expect(run.last).toBe('5 passed, 1 failed, 1 skipped');
    expect(run.code).not.toBe(0);
  });

  it('says that a targeted run skips the gates', () => {
    const run = runTestCommand('targeted', ['engine/config'], ['tsc', 'eslint']);
    expect(run.called).toEqual(['vitest']);
    expect(run.stdout).toMatch(/^gates suite SKIPPED \(skipped: a vitest filter was given/m);
    expect(run.last).toBe('2 passed, 0 failed, 1 skipped');
    expect(run.code).toBe(0);
  });
});
