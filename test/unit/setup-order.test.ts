/**
 * Every README entry point run as the very first command on a fresh Debian machine: no
 * node_modules, no system packages. The machine is faked by a PATH of recording stand-ins for
 * apt-get, npm and npx (apt-get "installs" a package by putting its stand-in commands on that
 * PATH), so the test sees the order in which the entry point sets itself up.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const packageScripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The commands each fake Debian package brings. */
const PACKAGES: Record<string, Record<string, string>> = {
  'pkg-config': {
    // Finds libsecret-1 only once libsecret-1-dev is "installed".
    'pkg-config':
      'for a in "$@"; do if [ "$a" = libsecret-1 ]; then [ -e "$FAKE_BIN/.libsecret" ]; exit $?; fi; done',
  },
  'libsecret-1-dev': { '.libsecret': '' },
  // A Redis that cannot start ends the test run right after its set-up.
  'redis-server': { 'redis-server': 'exit 1', 'redis-cli': 'exit 1' },
  chromium: { chromium: 'exit 0' },
  'dbus-daemon': { 'dbus-run-session': 'exit 1' },
  'gnome-keyring': { 'gnome-keyring-daemon': 'exit 1' },
};

const work = mkdtempSync(join(tmpdir(), 'dbaas-setup-order-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeCommand(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** A fresh machine with a copy of the scripts; returns how to run a command line in it. */
function freshMachine(name: string): {
  run(line: string): ReturnType<typeof spawnSync>;
  log(): string[];
} {
  const dir = join(work, name);
  const bin = join(dir, 'bin');
  const store = join(dir, 'apt');
  const checkout = join(dir, 'checkout');
  mkdirSync(bin, { recursive: true });
  mkdirSync(checkout, { recursive: true });
  cpSync(join(root, 'scripts'), join(checkout, 'scripts'), { recursive: true });
  cpSync(join(root, 'package.json'), join(checkout, 'package.json'));
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  for (const [pkg, commands] of Object.entries(PACKAGES)) {
    mkdirSync(join(store, pkg), { recursive: true });
    for (const [command, body] of Object.entries(commands)) {
      writeCommand(join(store, pkg, command), body);
    }
  }
  const logFile = join(dir, 'log');
  writeCommand(
    join(bin, 'apt-get'),
    [
      'echo "apt-get $*" >> "$FAKE_LOG"',
      '[ "$1" = install ] || exit 0',
      'for p in "$@"; do [ -d "$FAKE_APT/$p" ] && /bin/cp -a "$FAKE_APT/$p/." "$FAKE_BIN/"; done',
      'exit 0',
    ].join('\n'),
  );
  // npm ci "succeeds" (installing nothing); whatever then runs through npx fails, ending the run.
  writeCommand(join(bin, 'npm'), 'echo "npm $*" >> "$FAKE_LOG"');
  writeCommand(join(bin, 'npx'), 'echo "npx $*" >> "$FAKE_LOG"; exit 1');
  return {
    run: (line) =>
      spawnSync('/bin/sh', ['-c', line], {
        cwd: checkout,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: bin,
          HOME: dir,
          FAKE_LOG: logFile,
          FAKE_BIN: bin,
          FAKE_APT: store,
        },
      }),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : []),
  };
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('the first command on a fresh machine', () => {
  for (const entry of ['demo', 'serve', 'start', 'sim', 'test']) {
    it(`npm run ${entry} installs the system packages that npm ci builds with before npm ci`, () => {
      const line = packageScripts[entry];
      // Whatever it is, it must start without node_modules.
      expect(line).toMatch(/^node scripts\/[\w-]+\.mjs( |$)/);
      const machine = freshMachine(entry);
      const result = machine.run(line!);
      const log = machine.log();
      const install = log.findIndex((l) => l.startsWith('apt-get install'));
      const npmCi = log.findIndex((l) => l.startsWith('npm ci'));
      if (!isRoot) {
        // Without root it cannot install them: it stops naming them, before npm ci.
        expect(result.stderr).toContain('missing system packages: ');
        expect(npmCi).toBe(-1);
        return;
      }
      expect(install).toBeGreaterThanOrEqual(0);
      expect(log[install]).toContain('pkg-config');
      expect(log[install]).toContain('libsecret-1-dev');
      expect(npmCi).toBeGreaterThan(install);
      if (entry === 'test') {
        for (const pkg of Object.keys(PACKAGES)) expect(log[install]).toContain(pkg);
      }
    });
  }
});
