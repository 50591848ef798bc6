// The dependency rules of STYLE.md (dependency-cruiser, .dependency-cruiser.cjs) over the whole
// project, or over the files or folders given (`node scripts/check-deps.mjs engine/planted.ts`).
// Exit code 1 names each broken rule and the import that broke it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const given = process.argv.slice(2);
const roots =
  given.length > 0
    ? given
    : ['engine', 'sim', 'src', 'test', 'bench', 'scripts'].filter((dir) => existsSync(dir));
const result = spawnSync(
  'npx',
  ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...roots],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
