import { describe, expect, it } from 'vitest';
import { CronSchedule } from './cron';

const at = (iso: string) => new Date(iso);

describe('CronSchedule', () => {
  it('matches every minute with five stars', () => {
    expect(new CronSchedule('* * * * *').matches(at('2026-01-01T10:17:00Z'))).toBe(true);
  });

  it('matches fixed times, steps, ranges and lists', () => {
    const nightly = new CronSchedule('0 2 * * *');
    expect(nightly.matches(at('2026-01-01T02:00:00Z'))).toBe(true);
    expect(nightly.matches(at('2026-01-01T02:01:00Z'))).toBe(false);
    const every15 = new CronSchedule('*/15 9-17 * * mon-fri');
    expect(every15.matches(at('2026-01-05T09:45:00Z'))).toBe(true);
    expect(every15.matches(at('2026-01-05T09:46:00Z'))).toBe(false);
    expect(every15.matches(at('2026-01-04T09:45:00Z'))).toBe(false);
    expect(new CronSchedule('5,35 * * * *').matches(at('2026-01-01T00:35:00Z'))).toBe(true);
  });

  it('matches either day field when both are restricted, as Vixie cron does', () => {
    const schedule = new CronSchedule('0 0 1 * 0');
    expect(schedule.matches(at('2026-02-01T00:00:00Z'))).toBe(true);
    expect(schedule.matches(at('2026-02-08T00:00:00Z'))).toBe(true);
    expect(schedule.matches(at('2026-02-09T00:00:00Z'))).toBe(false);
  });

  it('finds the next matching minute', () => {
    expect(new CronSchedule('@daily').next(at('2026-01-01T10:17:30Z'))?.toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    );
    expect(new CronSchedule('30 * * * *').next(at('2026-01-01T10:30:00Z'))?.toISOString()).toBe(
      '2026-01-01T11:30:00.000Z',
    );
  });

  it('rejects malformed expressions', () => {
    expect(() => new CronSchedule('* * *')).toThrow(/5 fields/);
    expect(() => new CronSchedule('61 * * * *')).toThrow(/range/);
    expect(() => new CronSchedule('*/0 * * * *')).toThrow(/step/);
  });
});
