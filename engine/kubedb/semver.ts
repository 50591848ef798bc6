/**
 * A small semantic-version comparator and constraint checker, enough for KubeDB's catalog
 * `updateConstraints` (Masterminds-semver syntax: `>= 15.0, < 16.0`, `||`, `~`, `^`, `x` wildcards).
 */

/** A parsed version: numeric parts and an optional pre-release tag. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
}

const VERSION =
  /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses `1`, `1.2`, `v1.2.3`, `8.0.31-rc.1`; missing parts are 0. Null when not a version. */
export function parseSemVer(value: string): SemVer | null {
  const match = VERSION.exec(value.trim());
  if (!match) return null;
  const part = (text: string | undefined) =>
    text === undefined || /[xX*]/.test(text) ? 0 : Number(text);
  return {
    major: part(match[1]),
    minor: part(match[2]),
    patch: part(match[3]),
    prerelease: match[4] ?? '',
  };
}

/** Compares two versions like a sort comparator; a pre-release sorts before its release. */
export function compareSemVer(a: SemVer | string, b: SemVer | string): number {
  const left = typeof a === 'string' ? parseSemVer(a) : a;
  const right = typeof b === 'string' ? parseSemVer(b) : b;
  if (!left || !right)
    throw new RangeError(`cannot compare versions ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (left[key] !== right[key]) return left[key] < right[key] ? -1 : 1;
  }
  if (left.prerelease === right.prerelease) return 0;
  if (left.prerelease === '') return 1;
  if (right.prerelease === '') return -1;
  return left.prerelease < right.prerelease ? -1 : 1;
}

type Comparator = (version: SemVer) => boolean;

function bump(version: SemVer, level: 'major' | 'minor'): SemVer {
  return level === 'major'
    ? { major: version.major + 1, minor: 0, patch: 0, prerelease: '' }
    : { major: version.major, minor: version.minor + 1, patch: 0, prerelease: '' };
}

/** Which parts a constraint's version names (`1.2` names 2, `1.x` names 1). */
function precision(text: string): number {
  return text
    .replace(/^v/, '')
    .split(/[-+]/)[0]!
    .split('.')
    .filter((part) => !/^[xX*]$/.test(part)).length;
}

function comparatorFor(operator: string, text: string): Comparator {
  const base = parseSemVer(text);
  if (!base) throw new RangeError(`not a version in constraint: ${text}`);
  const cmp = (version: SemVer) => compareSemVer(version, base);
  const named = precision(text);
  switch (operator) {
    case '>':
      return (version) => cmp(version) > 0;
    case '>=':
    case '=>':
      return (version) => cmp(version) >= 0;
    case '<':
      return (version) => cmp(version) < 0;
    case '<=':
    case '=<':
      return (version) => cmp(version) <= 0;
    case '!=':
      return (version) => cmp(version) !== 0;
    case '~':
    case '~>': {
      const upper = bump(base, named <= 1 ? 'major' : 'minor');
      return (version) => cmp(version) >= 0 && compareSemVer(version, upper) < 0;
    }
    case '^': {
      const upper = base.major > 0 || named <= 1 ? bump(base, 'major') : bump(base, 'minor');
      return (version) => cmp(version) >= 0 && compareSemVer(version, upper) < 0;
    }
    default: {
      // `=` or bare: a wildcard or partial version is a range (`1.2` = `1.2.x`).
      if (named >= 3) return (version) => cmp(version) === 0;
      if (named === 0) return () => true;
      const upper = bump(base, named === 1 ? 'major' : 'minor');
      return (version) => cmp(version) >= 0 && compareSemVer(version, upper) < 0;
    }
  }
}

const TERM = /(>=|=>|<=|=<|!=|~>|>|<|=|~|\^)?\s*(v?[0-9xX*][0-9A-Za-z.*+-]*)/g;

/**
 * True when `version` satisfies `constraint`: `||` separates alternatives, commas or spaces separate
 * terms that must all hold. Throws a RangeError for a constraint it cannot read.
 */
export function satisfies(version: string | SemVer, constraint: string): boolean {
  const parsed = typeof version === 'string' ? parseSemVer(version) : version;
  if (!parsed) return false;
  return constraint.split('||').some((alternative) => {
    const terms = [...alternative.replace(/,/g, ' ').matchAll(TERM)];
    if (terms.length === 0) throw new RangeError(`cannot read version constraint "${constraint}"`);
    return terms.every((term) => comparatorFor(term[1] ?? '=', term[2] ?? '')(parsed));
  });
}
