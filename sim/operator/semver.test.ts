import { describe, expect, it } from 'vitest';
import { allowedByConstraints, satisfies } from './semver';

describe('semver constraints', () => {
  it('evaluates comparison ranges joined by commas', () => {
    expect(satisfies('8.4.8', '>= 8.4.8, <= 9.1.0')).toBe(true);
    expect(satisfies('9.1.0', '>= 8.4.8, <= 9.1.0')).toBe(true);
    expect(satisfies('9.1.1', '>= 8.4.8, <= 9.1.0')).toBe(false);
    expect(satisfies('8.4.7', '>= 8.4.8, <= 9.1.0')).toBe(false);
  });

  it('treats missing parts as zero in bounds and as wildcards in bare versions', () => {
    expect(satisfies('17.9', '>= 17.9')).toBe(true);
    expect(satisfies('15.5', '< 16.0')).toBe(true);
    expect(satisfies('8.0.3', '8.0.3')).toBe(true);
    expect(satisfies('8.0.4', '8.0.3')).toBe(false);
    expect(satisfies('8.0.9', '8.0')).toBe(true);
    expect(satisfies('7.4.6', '<= 7.4')).toBe(true);
  });

  it('supports alternatives, tilde and caret', () => {
    expect(satisfies('1.5.0', '< 1.0 || >= 1.5')).toBe(true);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false);
    expect(satisfies('1.9.0', '^1.2.3')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.3')).toBe(false);
  });

  it('allows when any allowlist entry matches and no denylist entry does', () => {
    expect(allowedByConstraints('16.4', ['>= 16.1'], [])).toBe(true);
    expect(allowedByConstraints('16.1', ['>= 16.4'], [])).toBe(false);
    expect(allowedByConstraints('9.0.0', [], ['>= 9.0.0'])).toBe(false);
    expect(allowedByConstraints('1.0.0', [], [])).toBe(true);
  });
});
