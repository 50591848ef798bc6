/**
 * Just enough of Masterminds semver constraints (what KubeDB's webhooks evaluate catalog
 * `updateConstraints` with): `>=`, `>`, `<=`, `<`, `=`, `!=`, `~`, `^`, bare versions (with missing
 * parts acting as wildcards), `,` for AND and `||` for OR.
 */

export type Version = [number, number, number];

/** Parses "8.0.35", "17.9", "v7.2" (prerelease and build ignored); undefined when not a version. */
export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function partsGiven(text: string): number {
  return (
    text
      .replace(/^v/, '')
      .split(/[-+]/)[0]
      ?.split('.')
      .filter((p) => p !== '' && p !== 'x' && p !== '*').length ?? 0
  );
}

/** The version with the last given part bumped (1.2 -> 1.3.0), the end of a wildcard range. */
function bump(v: Version, given: number): Version {
  if (given <= 1) return [v[0] + 1, 0, 0];
  if (given === 2) return [v[0], v[1] + 1, 0];
  return [v[0], v[1], v[2] + 1];
}

function satisfiesOne(version: Version, term: string): boolean {
  const match = /^(>=|<=|!=|=>|=<|>|<|=|~>?|\^)?\s*(.+)$/.exec(term.trim());
  if (!match) return false;
  const op = match[1] ?? '';
  const raw = match[2] ?? '';
  const target = parseVersion(raw.replace(/\.[x*]/g, ''));
  if (!target) return false;
  const given = partsGiven(raw);
  const cmp = compareVersions(version, target);
  switch (op) {
    case '>=':
    case '=>':
      return cmp >= 0;
    case '>':
      return given < 3 ? compareVersions(version, bump(target, given)) >= 0 : cmp > 0;
    case '<':
      return cmp < 0;
    case '<=':
    case '=<':
      return given < 3 ? compareVersions(version, bump(target, given)) < 0 : cmp <= 0;
    case '!=':
      return given < 3
        ? !(cmp >= 0 && compareVersions(version, bump(target, given)) < 0)
        : cmp !== 0;
    case '~':
    case '~>':
      return cmp >= 0 && compareVersions(version, bump(target, Math.min(given, 2))) < 0;
    case '^':
      return (
        cmp >= 0 &&
        compareVersions(version, target[0] > 0 ? [target[0] + 1, 0, 0] : bump(target, 2)) < 0
      );
    default:
      return given < 3 ? cmp >= 0 && compareVersions(version, bump(target, given)) < 0 : cmp === 0;
  }
}

/** True when `version` satisfies the constraint string (throws nothing; an unparsable one fails). */
export function satisfies(version: string, constraint: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return constraint.split('||').some((alternative) =>
    alternative
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .every((term) => satisfiesOne(v, term)),
  );
}

/**
 * The webhook rule: allowed when the version satisfies any allowlist constraint (an empty allowlist
 * allows all) and no denylist constraint.
 */
export function allowedByConstraints(
  version: string,
  allowlist: string[] = [],
  denylist: string[] = [],
): boolean {
  const allowed = allowlist.length === 0 || allowlist.some((c) => satisfies(version, c));
  return allowed && !denylist.some((c) => satisfies(version, c));
}
