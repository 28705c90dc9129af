import { DateTime, IANAZone } from 'luxon';

/**
 * Business-time arithmetic: pure functions over epoch milliseconds and a weekly schedule in an IANA zone.
 * Luxon maps local wall-clock times to instants, so DST days simply have longer or shorter open intervals
 * (a 00:00-24:00 slot is 23 or 25 hours long): business minutes are real elapsed minutes inside open hours.
 */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One open slot of a day, local wall-clock `HH:mm`; `end` may be `24:00`. Gaps between slots are closed. */
export interface OpenSlot {
  readonly start: string;
  readonly end: string;
}

export interface BusinessHours {
  readonly zone: string;
  readonly weekly: Partial<Record<Weekday, readonly OpenSlot[]>>;
  /** Local dates (`yyyy-mm-dd`) closed all day. */
  readonly holidays: readonly string[];
}

/** How a target's minutes are counted. */
export type TimeBasis = { readonly kind: 'calendar' } | { readonly kind: 'business'; readonly hours: BusinessHours };

const MINUTE = 60_000;
/** A walk that finds no open minute for this many local days stops: the schedule can never satisfy it. */
const HORIZON_DAYS = 366 * 60;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** What is wrong with a schedule, as `{field, message}` (empty when it is usable). */
export function businessHoursProblems(hours: BusinessHours): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!IANAZone.isValidZone(hours.zone)) problems.push({ field: 'zone', message: `${hours.zone} is not an IANA time zone` });
  let open = 0;
  for (const [day, slots] of Object.entries(hours.weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day))
      problems.push({ field: `weekly.${day}`, message: 'not a weekday (monday..sunday)' });
    let previousEnd = -1;
    (slots ?? []).forEach((slot, i) => {
      const field = `weekly.${day}[${i}]`;
      if (!TIME.test(slot.start) || !TIME.test(slot.end))
        return problems.push({ field, message: 'start and end must be HH:mm (end may be 24:00)' });
      const [start, end] = [minutesOf(slot.start), minutesOf(slot.end)];
      if (start >= end) problems.push({ field, message: 'start must be before end' });
      else if (start < previousEnd) problems.push({ field, message: 'slots must be in order and must not overlap' });
      previousEnd = end;
      open += Math.max(0, end - start);
    });
  }
  if (open === 0) problems.push({ field: 'weekly', message: 'at least one open slot a week is needed' });
  hours.holidays.forEach((d, i) => {
    if (!DATE.test(d) || !DateTime.fromISO(d).isValid) problems.push({ field: `holidays[${i}]`, message: 'must be a date yyyy-mm-dd' });
  });
  return problems;
}

/** A local calendar date, counted without any zone (a UTC Date used as a plain y-m-d counter). */
type CivilDate = Date;
const civilOf = (at: number, zone: string): CivilDate => {
  const local = DateTime.fromMillis(at, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day));
};
const nextCivil = (d: CivilDate): CivilDate => new Date(d.getTime() + 86_400_000);

// Open intervals per schedule and local date: a schedule's days never change, and a due time or the minutes
// left walk the same days again and again (Luxon's zone conversions are the cost). Bounded, oldest out.
const CACHE_SCHEDULES = 64;
const CACHE_DAYS = 50_000;
const cache = new Map<string, Map<number, [number, number][]>>();

function daysOf(hours: BusinessHours): Map<number, [number, number][]> {
  const key = JSON.stringify([hours.zone, hours.weekly, hours.holidays]);
  let days = cache.get(key);
  if (!days) {
    if (cache.size >= CACHE_SCHEDULES) cache.delete(cache.keys().next().value!);
    cache.set(key, (days = new Map()));
  }
  if (days.size >= CACHE_DAYS) days.clear();
  return days;
}

/** The open intervals `[start, end)` of one local day, as epoch ms (DST-adjusted by Luxon). */
function dayIntervals(hours: BusinessHours, day: CivilDate, days: Map<number, [number, number][]>): [number, number][] {
  const cached = days.get(day.getTime());
  if (cached) return cached;
  const out: [number, number][] = [];
  const date = day.toISOString().slice(0, 10);
  const slots = hours.holidays.includes(date) ? [] : (hours.weekly[WEEKDAYS[(day.getUTCDay() + 6) % 7]] ?? []);
  // A local time that DST skips (02:30 on a spring-forward day, or 00:00 where midnight is skipped) is moved
  // forward by Luxon; `24:00` is the next day's first instant.
  const at = (d: CivilDate, hhmm: string): number =>
    hhmm === '24:00'
      ? at(nextCivil(d), '00:00')
      : DateTime.fromObject(
          {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour: (minutesOf(hhmm) / 60) | 0,
            minute: minutesOf(hhmm) % 60,
          },
          { zone: hours.zone },
        ).toMillis();
  for (const slot of slots) {
    const [start, end] = [at(day, slot.start), at(day, slot.end)];
    // A slot inside a skipped DST hour (02:00-02:30 on a spring-forward day) is empty.
    if (end > start) out.push([start, end]);
  }
  days.set(day.getTime(), out);
  return out;
}

/** The open intervals that end after `from`, clipped to start at `from` or later, in order, without end. */
function* openIntervalsFrom(hours: BusinessHours, from: number): Generator<[number, number]> {
  const days = daysOf(hours);
  let day = civilOf(from, hours.zone);
  for (let idle = 0; idle < HORIZON_DAYS; day = nextCivil(day)) {
    const intervals = dayIntervals(hours, day, days).filter(([, end]) => end > from);
    if (intervals.length === 0) idle++;
    else idle = 0;
    for (const [start, end] of intervals) yield [Math.max(start, from), end];
  }
  throw new Error(`no open business hours within ${HORIZON_DAYS} days of ${new Date(from).toISOString()}`);
}

/**
 * The instant at which `minutes` business minutes have elapsed from `from`: always inside open hours (the end
 * of a slot counts, since the last minute completes there). Zero or fewer minutes: `from` itself.
 */
export function addBusinessMinutes(hours: BusinessHours, from: number, minutes: number): number {
  let remaining = minutes * MINUTE;
  if (remaining <= 0) return from;
  for (const [start, end] of openIntervalsFrom(hours, from)) {
    if (remaining <= end - start) return start + remaining;
    remaining -= end - start;
  }
  /* istanbul ignore next: the generator throws past its horizon */
  throw new Error('unreachable');
}

/** Business minutes (fractional) inside open hours between `from` and `to`; negative when `to` is earlier. */
export function businessMinutesBetween(hours: BusinessHours, from: number, to: number): number {
  if (to < from) return -businessMinutesBetween(hours, to, from);
  let total = 0;
  for (const [start, end] of openIntervalsFrom(hours, from)) {
    if (start >= to) break;
    total += Math.min(end, to) - start;
  }
  return total / MINUTE;
}

/** Whether `at` lies in open hours (slot ends included, see addBusinessMinutes). */
export function isOpenAt(hours: BusinessHours, at: number): boolean {
  const day = civilOf(at, hours.zone);
  const days = daysOf(hours);
  return [new Date(day.getTime() - 86_400_000), day].some((d) =>
    dayIntervals(hours, d, days).some(([start, end]) => start <= at && at <= end),
  );
}

/** `minutes` after `from` on a basis. */
export function addMinutes(basis: TimeBasis, from: number, minutes: number): number {
  return basis.kind === 'calendar' ? from + minutes * MINUTE : addBusinessMinutes(basis.hours, from, minutes);
}

/** Minutes between `from` and `to` on a basis (fractional; negative when `to` is earlier). */
export function minutesBetween(basis: TimeBasis, from: number, to: number): number {
  return basis.kind === 'calendar' ? (to - from) / MINUTE : businessMinutesBetween(basis.hours, from, to);
}
