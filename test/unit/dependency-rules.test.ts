import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/**
 * Plants a forbidden import in a temporary copy of the tree and runs the same dependency check
 * that `npm run check` runs, expecting it to fail and name the rule.
 */
describe('the dependency rule', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'dbaas-deps-'));
    for (const entry of [
      'engine',
      'sim',
      'src',
      'scripts',
      '.dependency-cruiser.cjs',
      'tsconfig.base.json',
      'package.json',
    ]) {
      cpSync(join(root, entry), join(work, entry), {
        recursive: true,
        filter: (source) => !source.includes('node_modules'),
      });
    }
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function checkWith(file: string, source: string): { code: number | null; output: string } {
    const path = join(work, file);
    writeFileSync(path, source);
    try {
      const result = spawnSync('node', ['scripts/check-deps.mjs'], { cwd: work, encoding: 'utf8' });
      return { code: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      rmSync(path);
    }
  }

  /** Like checkWith, but checks the planted file alone (what it imports), which is much faster. */
  function checkOnly(file: string, source: string): { code: number | null; output: string } {
    const path = join(work, file);
    writeFileSync(path, source);
    try {
      const result = spawnSync('node', ['scripts/check-deps.mjs', file], {
        cwd: work,
        encoding: 'utf8',
      });
      return { code: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      rmSync(path);
    }
  }

  it('passes on the tree as it is', () => {
    const result = spawnSync('node', ['scripts/check-deps.mjs'], { cwd: work, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('no dependency violations');
    expect(result.status).toBe(0);
  });

  it('fails when engine/ imports src/', () => {
    const result = checkWith('engine/planted.ts', "import '../src/shared/ipc';\nexport {};\n");
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('engine-not-to-src');
  });

  it('fails when engine/ imports electron', () => {
    const result = checkWith('engine/planted.ts', "import 'electron';\nexport {};\n");
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('engine-not-to-electron');
  });

  it('fails when sim/ imports engine/', () => {
    const result = checkWith('sim/planted.ts', "import '../engine/base/errors';\nexport {};\n");
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('sim-independent');
  });

  it('fails when the renderer imports a value from engine/', () => {
    const result = checkWith(
      'src/renderer/src/planted.ts',
      "import { EngineError } from '../../../engine/base/errors';\nexport const planted = EngineError;\n",
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('renderer-types-only-from-engine');
  });

  it('accepts a type-only import of engine contracts in the renderer', () => {
    const result = checkWith(
      'src/renderer/src/planted.ts',
      "import type { ErrorBody } from '../../../engine/api/contracts';\nexport type Planted = ErrorBody;\n",
    );
    expect(result.output).toContain('no dependency violations');
    expect(result.code).toBe(0);
  });

  it('fails when a service imports a loop or the API', () => {
    const loops = checkOnly('engine/services/planted.ts', "import '../loops';\nexport {};\n");
    expect(loops.code).not.toBe(0);
    expect(loops.output).toContain('services-not-to-loops-or-api');
    const api = checkOnly('engine/services/planted.ts', "import '../api/app';\nexport {};\n");
    expect(api.code).not.toBe(0);
    expect(api.output).toContain('services-not-to-loops-or-api');
  });

  it('fails when a loop imports the API', () => {
    const result = checkOnly('engine/loops/planted.ts', "import '../api/app';\nexport {};\n");
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('loops-not-to-api');
  });

  it('fails when Redis is reached outside its one home, engine/redis/', () => {
    const service = checkOnly(
      'engine/services/planted.ts',
      "import Redis from 'ioredis';\nexport const r: Redis | null = null;\n",
    );
    expect(service.code).not.toBe(0);
    expect(service.output).toContain('redis-one-home');
    const main = checkOnly('src/main/planted.ts', "import 'ioredis';\nexport {};\n");
    expect(main.code).not.toBe(0);
    expect(main.output).toContain('redis-one-home');
    const home = checkOnly('engine/redis/planted.ts', "import 'ioredis';\nexport {};\n");
    expect(home.output).not.toContain('redis-one-home');
  });

  it('fails when one adapter imports another', () => {
    const result = checkOnly(
      'engine/queue/sqlite/planted.ts',
      "import '../../store/sqlite';\nexport {};\n",
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('no-adapter-to-adapter');
  });

  it("fails when anything reaches past an adapter's index.ts into its files", () => {
    const inside = checkOnly(
      'engine/planted.ts',
      "import './store/sqlite/sqlite-store';\nexport {};\n",
    );
    expect(inside.code).not.toBe(0);
    expect(inside.output).toContain('no-adapter-internals');
    const fromTest = checkOnly(
      'engine/queue/sqlite/planted.test.ts',
      "import '../../store/sqlite/sqlite-store';\nexport {};\n",
    );
    expect(fromTest.code).not.toBe(0);
    expect(fromTest.output).toContain('no-adapter-internals-across-adapters');
    const entry = checkOnly('engine/planted.ts', "import './store/sqlite';\nexport {};\n");
    expect(entry.output).toContain('no dependency violations');
    expect(entry.code).toBe(0);
  });
});
