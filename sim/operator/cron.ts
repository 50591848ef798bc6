/**
 * A tiny standard 5-field cron matcher (minute hour day-of-month month day-of-week) with `*`,
 * lists, ranges, steps, month/day names and the `@hourly`-style macros, evaluated in UTC.
 * As in Vixie cron, when both day fields are restricted a time matches if either does.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

interface Field {
  values: Set<number>;
  star: boolean;
}

function parseField(text: string, min: number, max: number): Field {
  const values = new Set<number>();
  const num = (s: string): number => {
    const v = NAMES[s.toLowerCase()] ?? Number(s);
    if (!Number.isInteger(v)) throw new Error(`invalid cron value "${s}"`);
    return v;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`invalid cron step "${part}"`);
    let lo = min;
    let hi = max;
    if (range !== '*' && range !== undefined) {
      const [a, b] = range.split('-');
      lo = num(a ?? '');
      hi = b === undefined ? (stepText === undefined ? lo : max) : num(b);
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`cron value out of range in "${part}"`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star: text.startsWith('*') };
}

/** A parsed cron schedule. */
export class CronSchedule {
  private readonly minute: Field;
  private readonly hour: Field;
  private readonly dom: Field;
  private readonly month: Field;
  private readonly dow: Field;

  /** Throws on an invalid expression. */
  constructor(expression: string) {
    const text = MACROS[expression.trim()] ?? expression.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5) throw new Error(`cron expression "${expression}" must have 5 fields`);
    this.minute = parseField(parts[0] as string, 0, 59);
    this.hour = parseField(parts[1] as string, 0, 23);
    this.dom = parseField(parts[2] as string, 1, 31);
    this.month = parseField(parts[3] as string, 1, 12);
    const dow = parseField((parts[4] as string).replace(/\b7\b/g, '0'), 0, 6);
    this.dow = dow;
  }

  matches(date: Date): boolean {
    if (!this.minute.values.has(date.getUTCMinutes())) return false;
    if (!this.hour.values.has(date.getUTCHours())) return false;
    if (!this.month.values.has(date.getUTCMonth() + 1)) return false;
    const domOk = this.dom.values.has(date.getUTCDate());
    const dowOk = this.dow.values.has(date.getUTCDay());
    if (this.dom.star || this.dow.star) return (this.dom.star || domOk) && (this.dow.star || dowOk);
    return domOk || dowOk;
  }

  /** The first matching minute strictly after `after` (searching up to ~4 years), or undefined. */
  next(after: Date): Date | undefined {
    const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
    for (let i = 0; i < 4 * 366 * 24 * 60; i++) {
      if (this.matches(t)) return t;
      t.setTime(t.getTime() + 60_000);
    }
    return undefined;
  }
}
