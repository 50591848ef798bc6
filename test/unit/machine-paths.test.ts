import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** A quoted absolute path into a machine's own folders (documentation may show examples). */
const MACHINE_PATH = /['"`]\/(work|tmp|root|home)\//;

describe('the project files', () => {
  it('name no absolute path of a particular machine', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file !== '' && !file.endsWith('.md') && file !== 'package-lock.json');
    const offenders: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(join(root, file), 'utf8');
      } catch {
        continue; // deleted in the working tree, or not a regular file
      }
      text.split('\n').forEach((line, i) => {
        if (MACHINE_PATH.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
