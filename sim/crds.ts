/**
 * Where the real KubeDB and KubeStash CRD files are: the one rule every caller uses (the demo, the
 * simulator's command line, the tests, the e2e server and the benches).
 *
 * In order: `--crds DIR`, then the environment variable `KUBEDB_CRDS_DIR`, then
 * `../shared/kubedb/crds` beside the checkout. The files come from the pinned KubeDB release
 * described in `../shared/kubedb/SOURCE.md`; they are not part of this repository.
 *
 * It lives in sim/ because the simulator is what installs CRDs, and everything else may import
 * sim/ (sim/ itself imports nothing of the project). It never reads `process.env`: callers pass it.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** The folder of this checkout (sim/ sits at its top). */
export const CHECKOUT_DIR = resolve(import.meta.dirname, '..');

/** The third place looked at, relative to the checkout. */
export const CRDS_BESIDE_CHECKOUT = '../shared/kubedb/crds';

/** Where a found folder came from. */
export type CrdsSource = '--crds' | 'KUBEDB_CRDS_DIR' | 'beside the checkout';

export type CrdsLookup =
  | { found: true; dir: string; source: CrdsSource }
  | { found: false; explicit: boolean; message: string };

export interface CrdsLookupInput {
  /** The value of a `--crds` flag, if one was given. */
  flag?: string | undefined;
  /** The environment to read `KUBEDB_CRDS_DIR` from. */
  env: Readonly<Record<string, string | undefined>>;
  /** The checkout the sibling folder is looked for beside (default: this one). */
  checkoutDir?: string;
}

const WAYS =
  'pass --crds DIR, set KUBEDB_CRDS_DIR=DIR, or put them in ../shared/kubedb/crds beside the checkout';

/**
 * The one line said when no CRD folder is found (`tried` names what was looked at).
 * Tests that need the real CRDs fail with it; the demo prints it and goes on with built-in kinds.
 */
export function crdsMissingLine(tried: string): string {
  return `KubeDB CRDs not found (${tried}): ${WAYS}`;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Looks for the CRD folder in the documented order. A folder named explicitly (flag or variable)
 * that does not exist is reported, never silently replaced by the next way.
 */
export function findCrdsDir(input: CrdsLookupInput): CrdsLookup {
  const explicit: [CrdsSource, string | undefined][] = [
    ['--crds', input.flag],
    ['KUBEDB_CRDS_DIR', input.env.KUBEDB_CRDS_DIR],
  ];
  for (const [source, value] of explicit) {
    if (value === undefined || value === '') continue;
    const dir = resolve(value);
    if (isDir(dir)) return { found: true, dir, source };
    return {
      found: false,
      explicit: true,
      message: crdsMissingLine(`${source} names ${dir}, which is not a folder`),
    };
  }
  const beside = resolve(input.checkoutDir ?? CHECKOUT_DIR, CRDS_BESIDE_CHECKOUT);
  if (isDir(beside)) return { found: true, dir: beside, source: 'beside the checkout' };
  return {
    found: false,
    explicit: false,
    message: crdsMissingLine(`no --crds, no KUBEDB_CRDS_DIR, no ${beside}`),
  };
}

/** Thrown by {@link requireCrdsDir}; its message is the one line of {@link crdsMissingLine}. */
export class CrdsNotFoundError extends Error {
  override readonly name = 'CrdsNotFoundError';
}

/** The CRD folder, or a {@link CrdsNotFoundError} carrying the one line — for what cannot go on without it. */
export function requireCrdsDir(input: CrdsLookupInput): string {
  const lookup = findCrdsDir(input);
  if (!lookup.found) throw new CrdsNotFoundError(lookup.message);
  return lookup.dir;
}

/**
 * For what can run without the real CRDs (the demo, `npm run sim`): the folder when found; else
 * the one line plus what happens instead, to print. A folder named explicitly that does not exist
 * still fails (thrown), since the caller asked for it.
 */
export function crdsOrBuiltIn(input: CrdsLookupInput): { crdsDir?: string; notice?: string } {
  const lookup = findCrdsDir(input);
  if (lookup.found) return { crdsDir: lookup.dir };
  if (lookup.explicit) throw new CrdsNotFoundError(lookup.message);
  return {
    notice: `${lookup.message}; using the simulator's permissive built-in kinds instead (no schema validation)`,
  };
}
