import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrdsNotFoundError, crdsOrBuiltIn, findCrdsDir, requireCrdsDir } from './crds';

const WAYS =
  'pass --crds DIR, set KUBEDB_CRDS_DIR=DIR, or put them in ../shared/kubedb/crds beside the checkout';

describe('finding the KubeDB CRDs', () => {
  let root: string;
  let checkout: string;
  let bare: string;
  let fromFlag: string;
  let fromEnv: string;
  let beside: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dbaas-crds-'));
    // <root>/work/repo is a checkout with ../shared/kubedb/crds beside it; <root>/bare/repo has none.
    checkout = join(root, 'work', 'repo');
    bare = join(root, 'bare', 'repo');
    beside = join(root, 'work', 'shared', 'kubedb', 'crds');
    fromFlag = join(root, 'flag-crds');
    fromEnv = join(root, 'env-crds');
    for (const dir of [checkout, bare, beside, fromFlag, fromEnv])
      mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'a-file'), '');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes --crds first, then KUBEDB_CRDS_DIR, then ../shared/kubedb/crds beside the checkout', () => {
    const env = { KUBEDB_CRDS_DIR: fromEnv };
    expect(findCrdsDir({ flag: fromFlag, env, checkoutDir: checkout })).toEqual({
      found: true,
      dir: fromFlag,
      source: '--crds',
    });
    expect(findCrdsDir({ env, checkoutDir: checkout })).toEqual({
      found: true,
      dir: fromEnv,
      source: 'KUBEDB_CRDS_DIR',
    });
    expect(findCrdsDir({ env: {}, checkoutDir: checkout })).toEqual({
      found: true,
      dir: beside,
      source: 'beside the checkout',
    });
  });

  it('says in one line, naming the three ways, that none exists', () => {
    const lookup = findCrdsDir({ env: {}, checkoutDir: bare });
    expect(lookup).toEqual({
      found: false,
      explicit: false,
      message: `KubeDB CRDs not found (no --crds, no KUBEDB_CRDS_DIR, no ${join(root, 'bare', 'shared', 'kubedb', 'crds')}): ${WAYS}`,
    });
  });

  it('reports a folder named explicitly that does not exist instead of trying the next way', () => {
    const missing = join(root, 'nowhere');
    const lookup = findCrdsDir({ env: { KUBEDB_CRDS_DIR: missing }, checkoutDir: checkout });
    expect(lookup).toEqual({
      found: false,
      explicit: true,
      message: `KubeDB CRDs not found (KUBEDB_CRDS_DIR names ${missing}, which is not a folder): ${WAYS}`,
    });
    const flagged = findCrdsDir({ flag: join(root, 'a-file'), env: {}, checkoutDir: checkout });
    expect(flagged.found).toBe(false);
    expect(!flagged.found && flagged.message).toContain('--crds names');
  });

  it('fails what needs the real CRDs with that same line, not a file-system error', () => {
    expect(requireCrdsDir({ env: {}, checkoutDir: checkout })).toBe(beside);
    let thrown: unknown;
    try {
      requireCrdsDir({ env: {}, checkoutDir: bare });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CrdsNotFoundError);
    const message = (thrown as Error).message;
    expect(message).toBe(
      (findCrdsDir({ env: {}, checkoutDir: bare }) as { message: string }).message,
    );
    expect(message).not.toContain('\n');
    expect(message).not.toContain('ENOENT');
  });

  it('lets the demo go on with the built-in kinds, saying so, only when nothing was named', () => {
    expect(crdsOrBuiltIn({ env: {}, checkoutDir: checkout })).toEqual({ crdsDir: beside });
    const builtIn = crdsOrBuiltIn({ env: {}, checkoutDir: bare });
    expect(builtIn.crdsDir).toBeUndefined();
    expect(builtIn.notice).toMatch(
      /^KubeDB CRDs not found \(.*\): pass --crds DIR, set KUBEDB_CRDS_DIR=DIR, or put them in \.\.\/shared\/kubedb\/crds beside the checkout; using the simulator's permissive built-in kinds instead/,
    );
    expect(() =>
      crdsOrBuiltIn({ flag: join(root, 'nowhere'), env: {}, checkoutDir: checkout }),
    ).toThrow(CrdsNotFoundError);
  });
});
