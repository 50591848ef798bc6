/**
 * WCAG AA contrast (4.5:1 for text) of the colour tokens of both themes, as styles.css pairs them.
 * axe-core is not a dependency; this checks the same rule on the tokens themselves, so a change to
 * a colour or to the rule that puts text on a background is caught before a screen shows it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');
const AA_TEXT = 4.5;

/** The declarations of the first rule whose selector is exactly `selector`. */
function rule(css: string, selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no rule ${selector}`);
  const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
  const declarations: Record<string, string> = {};
  for (const part of body.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) declarations[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
  }
  return declarations;
}

function tokens(declarations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(declarations)
      .filter(([name, value]) => name.startsWith('--') && /^#[0-9a-f]{6}$/i.test(value))
      .map(([name, value]) => [name.slice(2), value]),
  );
}

const LIGHT = tokens(rule(CSS, ':root'));
const DARK = tokens(rule(CSS, ":root[data-theme='dark']"));
const SYSTEM_DARK = tokens(rule(CSS, "  :root:not([data-theme='light'])"));

function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** `var(--name)` -> name; anything else (a mix, a literal) -> undefined. */
const tokenOf = (value: string | undefined): string | undefined =>
  /^var\(--([a-z-]+)\)$/.exec(value ?? '')?.[1];

/**
 * The text pairs of the style sheet: every rule that sets a text colour from a token, against the
 * background token it sets, or else against the page and panel backgrounds it may sit on.
 */
function textPairs(): { selector: string; text: string; background: string }[] {
  const pairs: { selector: string; text: string; background: string }[] = [];
  const body = CSS.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const match of body.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selector = match[1]!.trim();
    if (selector.startsWith(':root') || selector.startsWith('@')) continue;
    const declarations: Record<string, string> = {};
    for (const part of match[2]!.split(';')) {
      const colon = part.indexOf(':');
      if (colon > 0) declarations[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
    }
    const text = tokenOf(declarations.color);
    if (!text || text === 'border') continue;
    const background = tokenOf(declarations.background);
    for (const under of background ? [background] : ['bg', 'panel'])
      pairs.push({ selector, text, background: under });
  }
  return pairs;
}

describe('the colour tokens', () => {
  it('define the same dark theme for the explicit choice and for the system preference', () => {
    expect(Object.keys(LIGHT).length).toBeGreaterThan(8);
    expect(SYSTEM_DARK).toEqual(DARK);
  });

  for (const [theme, palette] of [
    ['light', LIGHT],
    ['dark', DARK],
  ] as const) {
    it(`give every text colour at least 4.5:1 on its background in the ${theme} theme`, () => {
      const pairs = textPairs();
      expect(pairs.length).toBeGreaterThan(10);
      const failing = pairs
        .map((pair) => ({
          ...pair,
          ratio: contrast(palette[pair.text]!, palette[pair.background]!),
        }))
        .filter((pair) => pair.ratio < AA_TEXT);
      expect(failing).toEqual([]);
      // Body text on the page, the panels and the highlighted drift lines.
      for (const background of ['bg', 'panel', 'drift-bg'])
        expect(contrast(palette.fg!, palette[background]!)).toBeGreaterThanOrEqual(AA_TEXT);
    });

    it(`keep the progress bar's percentage readable in the ${theme} theme`, () => {
      const text = rule(CSS, '.progress-text');
      const colour = palette[tokenOf(text.color) ?? 'fg']!;
      const own = tokenOf(text.background);
      // Without a background of its own the text lies over the fill (accent) and the track.
      const under = own ? [palette[own]!] : [palette.accent!, palette.panel!];
      for (const background of under)
        expect(contrast(colour, background)).toBeGreaterThanOrEqual(AA_TEXT);
    });
  }

  it('computes the WCAG ratio', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
