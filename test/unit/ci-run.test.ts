import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `.ci/run` on a fresh machine: the demo starts first, in a scratch clone (so its own set-up,
 * not CI's, installs what it needs), then the system packages, `npm ci` and `npm test` with every
 * gate, all within the 45-minute budget.
 */
const script = readFileSync(resolve(import.meta.dirname, '../../.ci/run'), 'utf8')
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

function at(pattern: RegExp): number {
  const index = script.search(pattern);
  expect(index, `.ci/run has no ${pattern}`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('.ci/run', () => {
  it('runs the demo in a scratch clone before installing anything, then npm ci, then npm test', () => {
    const clone = at(/git clone [^\n]*"\$scratch\/checkout"/);
    const demo = at(/node scripts\/demo-smoke\.mjs --checkout "\$scratch\/checkout"/);
    const apt = at(/apt-get install/);
    const ci = at(/\nnpm ci\b/);
    const test = at(/timeout [^\n]*npm test\b/);
    expect(clone).toBeLessThan(demo);
    expect(demo).toBeLessThan(apt);
    expect(apt).toBeLessThan(ci);
    expect(ci).toBeLessThan(test);
  });

  it('keeps the whole run within 45 minutes: npm test gets only what is left, under timeout', () => {
    expect(script).toMatch(/BUDGET_SECONDS=\$\(\(45 \* 60\)\)/);
    expect(script).toMatch(/timeout [^\n]*"\$remaining" npm test/);
    expect(script).toMatch(/--timeout-seconds \d+/);
  });
});
