// npm run check: what a developer runs before committing, and what CI runs through npm test.
// Cheapest first: types (project references), lint, format, dependency rules, then the tests.
import { spawnSync } from 'node:child_process';

const steps = [
  ['typecheck', 'npx', ['tsc', '-b']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
  ['format', 'npx', ['prettier', '--check', '.']],
  ['dependency rules', 'node', ['scripts/check-deps.mjs']],
  ['tests', 'node', ['scripts/test.mjs', ...process.argv.slice(2)]],
];

for (const [name, command, args] of steps) {
  process.stdout.write(`\n== ${name}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`check failed at: ${name}\n`);
    process.exit(result.status ?? 1);
  }
}
process.stdout.write('\ncheck passed\n');
