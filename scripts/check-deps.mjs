// The dependency rules of STYLE.md over engine/, sim/ and src/ (dependency-cruiser). Exit code 1
// names each broken rule and the import that broke it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const roots = ['engine', 'sim', 'src'].filter((dir) => existsSync(dir));
const result = spawnSync(
  'npx',
  ['depcruise', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...roots],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
