/** Next run of a five-field cron schedule (minute hour day-of-month month day-of-week), in UTC. */

const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function parseField(field: string, [min, max]: [number, number]): Set<number> | null {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return null;
    let from = min;
    let to = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = (range ?? '').split('-');
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : max) : Number(b);
    }
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < min || to > max || from > to)
      return null;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** The parsed schedule, or null when it is not one this engine can read. */
export function parseCron(schedule: string): Set<number>[] | null {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const sets = fields.map((field, i) => parseField(field, RANGES[i]!));
  if (sets.some((set) => set === null)) return null;
  const sets5 = sets as Set<number>[];
  if (sets5[4]!.has(7)) sets5[4]!.add(0);
  return sets5;
}

/** The first minute strictly after `from` that the schedule matches; null if none within 5 years. */
export function nextCronRun(schedule: string, from: Date): Date | null {
  const sets = parseCron(schedule);
  if (!sets) return null;
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const anyDay = days.size === 31;
  const anyWeekday = weekdays.size >= 7;
  const t = new Date(from.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = from.getTime() + 5 * 366 * 24 * 3600_000;
  while (t.getTime() <= limit) {
    if (!months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
      continue;
    }
    const dayOk = days.has(t.getUTCDate());
    const weekdayOk = weekdays.has(t.getUTCDay());
    // Cron: when both day fields are restricted, either may match.
    const dateOk =
      anyDay && anyWeekday ? true : anyDay ? weekdayOk : anyWeekday ? dayOk : dayOk || weekdayOk;
    if (!dateOk) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
      continue;
    }
    if (!hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
      continue;
    }
    if (!minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    return t;
  }
  return null;
}
