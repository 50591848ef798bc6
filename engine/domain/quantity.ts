import { z } from 'zod';

/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1.5G`, `2e3`), parsed to plain numbers so that
 * limits and "only growing" rules can compare them.
 */
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** True when `value` is a syntactically valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/**
 * The value of a quantity in base units (bytes for memory and storage, cores for CPU):
 * `parseQuantity('10Gi') === 10737418240`, `parseQuantity('500m') === 0.5`.
 * Returns `NaN` for a string that is not a quantity.
 */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value.trim());
  if (!match) return Number.NaN;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix === '') return number;
  if (suffix in BINARY) return number * (BINARY[suffix] as number);
  if (suffix in DECIMAL) return number * (DECIMAL[suffix] as number);
  return number * 10 ** Number(suffix.slice(1));
}

/** CPU in millicores: `parseCpuMillicores('500m') === 500`, `parseCpuMillicores('2') === 2000`. */
export function parseCpuMillicores(value: string | number): number {
  const cores = parseQuantity(value);
  // Rounded because 0.1 * 1000 style float noise must not make two equal quantities differ.
  return Number.isNaN(cores) ? Number.NaN : Math.round(cores * 1000 * 1000) / 1000;
}

/** Compares two quantities by value: negative, zero or positive like a sort comparator. */
export function compareQuantities(a: string | number, b: string | number): number {
  const left = parseQuantity(a);
  const right = parseQuantity(b);
  if (Number.isNaN(left) || Number.isNaN(right))
    throw new RangeError(`cannot compare quantities ${a} and ${b}`);
  // Relative tolerance: '1Gi' and '1073741824' are equal, float rounding must not say otherwise.
  const scale = Math.max(Math.abs(left), Math.abs(right), 1);
  if (Math.abs(left - right) <= scale * 1e-12) return 0;
  return left < right ? -1 : 1;
}

/** True when the two quantities denote the same amount (`1Gi` equals `1024Mi`). */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  return compareQuantities(a, b) === 0;
}

/**
 * A schema for a positive quantity in `field`, optionally bounded (inclusive) by other quantities.
 * Messages name the field and the rule.
 */
export function quantitySchema(field: string, bounds: { min?: string; max?: string } = {}) {
  return z
    .string({ error: `${field} must be a Kubernetes quantity string such as "1Gi"` })
    .refine(isQuantity, {
      error: `${field} must be a Kubernetes quantity such as "500m", "1Gi" or "10Gi"`,
    })
    .refine((value) => !isQuantity(value) || parseQuantity(value) > 0, {
      error: `${field} must be greater than zero`,
    })
    .refine(
      (value) =>
        !isQuantity(value) || bounds.min === undefined || compareQuantities(value, bounds.min) >= 0,
      {
        error: `${field} must be at least ${bounds.min}`,
      },
    )
    .refine(
      (value) =>
        !isQuantity(value) || bounds.max === undefined || compareQuantities(value, bounds.max) <= 0,
      {
        error: `${field} must be at most ${bounds.max}`,
      },
    );
}
