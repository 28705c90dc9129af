import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  BusinessHours,
  OpenSlot,
  WEEKDAYS,
  addBusinessMinutes,
  businessHoursProblems,
  businessMinutesBetween,
  isOpenAt,
} from './business-time';

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago'];
const hhmm = (m: number) => (m === 1440 ? '24:00' : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/** A day's slots: sorted distinct minute boundaries paired up, so slots are ordered, non-empty, with gaps. */
const daySlots = fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 }).map((bounds) => {
  const sorted = [...bounds].sort((a, b) => a - b);
  const slots: OpenSlot[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) slots.push({ start: hhmm(sorted[i]), end: hhmm(sorted[i + 1]) });
  return slots;
});

const hoursArb: fc.Arbitrary<BusinessHours> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    days: fc.array(daySlots, { minLength: 7, maxLength: 7 }),
    holidays: fc.uniqueArray(fc.integer({ min: 0, max: 800 }), { maxLength: 30 }),
  })
  .map(({ zone, days, holidays }) => ({
    zone,
    weekly: Object.fromEntries(WEEKDAYS.map((d, i) => [d, days[i]])),
    holidays: holidays.map((n) => DateTime.fromISO('2026-01-01').plus({ days: n }).toISODate()!),
  }))
  .filter((h) => businessHoursProblems(h).length === 0);

// Instants from 2026 into 2028, to the millisecond: DST changes of every zone above fall inside.
const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) });
const minutes = fc.integer({ min: 1, max: 20_000 });
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

describe('business time (properties)', () => {
  it('measuring what was added gives it back', () => {
    fc.assert(
      fc.property(hoursArb, instant, minutes, (h, from, m) => close(businessMinutesBetween(h, from, addBusinessMinutes(h, from, m)), m)),
    );
  });

  it('a due time always falls inside open hours, after the start', () => {
    fc.assert(
      fc.property(hoursArb, instant, minutes, (h, from, m) => {
        const due = addBusinessMinutes(h, from, m);
        return due > from && isOpenAt(h, due);
      }),
    );
  });

  it('is monotonic in the start and in the minutes', () => {
    fc.assert(
      fc.property(hoursArb, instant, instant, minutes, minutes, (h, a, b, m, n) => {
        const [from1, from2] = a <= b ? [a, b] : [b, a];
        const [m1, m2] = m <= n ? [m, n] : [n, m];
        return (
          addBusinessMinutes(h, from1, m1) <= addBusinessMinutes(h, from2, m1) &&
          addBusinessMinutes(h, from1, m1) <= addBusinessMinutes(h, from1, m2)
        );
      }),
    );
  });

  it('adding in two steps is adding once; measuring over two spans is measuring once', () => {
    fc.assert(
      fc.property(
        hoursArb,
        instant,
        minutes,
        minutes,
        (h, from, m, n) => addBusinessMinutes(h, addBusinessMinutes(h, from, m), n) === addBusinessMinutes(h, from, m + n),
      ),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(hoursArb, fc.array(instant, { minLength: 3, maxLength: 3 }), (h, points) => {
        const [a, b, c] = [...points].sort((x, y) => x - y);
        return close(businessMinutesBetween(h, a, b) + businessMinutesBetween(h, b, c), businessMinutesBetween(h, a, c));
      }),
      { numRuns: 40 },
    );
  });

  it('never counts more than the calendar, nor anything on a holiday', () => {
    fc.assert(
      fc.property(
        hoursArb,
        instant,
        instant,
        (h, a, b) => businessMinutesBetween(h, Math.min(a, b), Math.max(a, b)) <= Math.abs(b - a) / 60_000 + 1e-9,
      ),
      { numRuns: 40 },
    );
    fc.assert(
      fc.property(hoursArb, fc.integer({ min: 0, max: 700 }), (h, n) => {
        const day = DateTime.fromISO('2026-01-01', { zone: h.zone }).plus({ days: n });
        const closed = { ...h, holidays: [...h.holidays, day.toISODate()!] };
        return businessMinutesBetween(closed, day.toMillis(), day.plus({ days: 1 }).toMillis()) === 0;
      }),
    );
  });
});

describe('business time (examples)', () => {
  const allDay = (zone: string): BusinessHours => ({
    zone,
    weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
    holidays: [],
  });
  const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

  it('counts 23 and 25 hours on the DST days of New York', () => {
    const h = allDay('America/New_York');
    expect(businessMinutesBetween(h, at('2026-03-08T00:00', h.zone), at('2026-03-09T00:00', h.zone))).toBe(23 * 60);
    expect(businessMinutesBetween(h, at('2026-11-01T00:00', h.zone), at('2026-11-02T00:00', h.zone))).toBe(25 * 60);
  });

  it('keeps 09:00-17:00 eight real hours on a DST day (the change is at night)', () => {
    const h: BusinessHours = { zone: 'Europe/London', weekly: { sunday: [{ start: '09:00', end: '17:00' }] }, holidays: [] };
    expect(businessMinutesBetween(h, at('2026-03-29T00:00', h.zone), at('2026-03-30T00:00', h.zone))).toBe(480);
    expect(DateTime.fromMillis(addBusinessMinutes(h, at('2026-03-29T00:00', h.zone), 60), { zone: h.zone }).toISO()).toBe(
      '2026-03-29T10:00:00.000+01:00',
    );
  });

  it('skips gaps in a day, weekends and holidays', () => {
    const weekday = [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ];
    const h: BusinessHours = {
      zone: 'Asia/Kolkata',
      weekly: { monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday },
      holidays: ['2026-12-25'],
    };
    const local = (ms: number) => DateTime.fromMillis(ms, { zone: h.zone }).toFormat("yyyy-MM-dd'T'HH:mm");
    expect(local(addBusinessMinutes(h, at('2026-12-21T09:00', h.zone), 200))).toBe('2026-12-21T13:20');
    // Thursday 16:00 + 2 h: one hour on Thursday, Friday is Christmas, the weekend is closed: Monday 10:00.
    expect(local(addBusinessMinutes(h, at('2026-12-24T16:00', h.zone), 120))).toBe('2026-12-28T10:00');
  });

  it('spans weeks when a target is longer than a week of open hours', () => {
    const h: BusinessHours = { zone: 'UTC', weekly: { monday: [{ start: '09:00', end: '10:00' }] }, holidays: [] };
    expect(new Date(addBusinessMinutes(h, Date.parse('2026-01-05T09:00:00Z'), 300)).toISOString()).toBe('2026-02-02T10:00:00.000Z');
  });

  it('names what is wrong with a schedule', () => {
    const fields = (h: BusinessHours) => businessHoursProblems(h).map((p) => p.field);
    expect(fields({ zone: 'Mars/Base', weekly: { monday: [{ start: '10:00', end: '09:00' }] }, holidays: ['2026-13-01'] })).toEqual([
      'zone',
      'weekly.monday[0]',
      'weekly',
      'holidays[0]',
    ]);
    expect(
      fields({
        zone: 'UTC',
        weekly: {
          funday: [{ start: '09:00', end: '10:00' }],
          monday: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
        holidays: [],
      } as unknown as BusinessHours),
    ).toEqual(['weekly.funday', 'weekly.monday[1]']);
  });
});
