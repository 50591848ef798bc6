/**
 * The project's own ESLint rules (eslint.config.js) on planted text: the size budget and the
 * process.env rule must each be able to fail. The text is linted as if it were an existing file of
 * the project, so the real config and TypeScript project apply to it.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function ruleIds(text: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: resolve(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const statements = (n: number): string =>
  Array.from({ length: n }, (_, i) => `export const value${i} = ${i};`).join('\n') + '\n';

describe('the lint rules', () => {
  it('refuse a file of more than 400 lines of code, in source and tests alike', async () => {
    expect(await ruleIds(statements(401), 'engine/version.ts')).toContain('max-lines');
    expect(await ruleIds(statements(401), 'engine/config.test.ts')).toContain('max-lines');
  }, 60_000);

  it('count neither blank lines nor comments against the budget', async () => {
    const padded = `${'// a comment\n\n'.repeat(100)}${statements(400)}`;
    expect(await ruleIds(padded, 'engine/version.ts')).not.toContain('max-lines');
  }, 60_000);

  it('refuse process.env outside entry points and allow it in them', async () => {
    const reads = 'export const level = process.env.DBAAS_LOG_LEVEL;\n';
    expect(await ruleIds(reads, 'engine/version.ts')).toContain('no-restricted-properties');
    expect(await ruleIds(reads, 'sim/index.ts')).toContain('no-restricted-properties');
    expect(await ruleIds(reads, 'src/main/app.ts')).toContain('no-restricted-properties');
    expect(await ruleIds(reads, 'engine/daemon.ts')).not.toContain('no-restricted-properties');
    expect(await ruleIds(reads, 'sim/cli.ts')).not.toContain('no-restricted-properties');
    expect(await ruleIds(reads, 'src/main/index.ts')).not.toContain('no-restricted-properties');
  }, 120_000);
});
