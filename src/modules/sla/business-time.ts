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
    if (!(WEEKDAYS as readonly string[]).includes(day)) problems.push({ field: `weekly.${day}`, message: 'not a weekday (monday..sunday)' });
    let previousEnd = -1;
    (slots ?? []).forEach((slot, i) => {
      const field = `weekly.${day}[${i}]`;
      if (!TIME.test(slot.start) || !TIME.test(slot.end)) return problems.push({ field, message: 'start and end must be HH:mm (end may be 24:00)' });
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

/** The open intervals `[start, end)` of one local day, as epoch ms (DST-adjusted by Luxon). */
function dayIntervals(hours: BusinessHours, day: DateTime, holidays: ReadonlySet<string>): [number, number][] {
  if (holidays.has(day.toISODate()!)) return [];
  const slots = hours.weekly[WEEKDAYS[day.weekday - 1]] ?? [];
  // A day whose midnight is skipped by DST (America/Santiago) starts at 01:00: next day's start ends it.
  const at = (hhmm: string) => (hhmm === '24:00' ? day.plus({ days: 1 }).startOf('day') : day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) })).toMillis();
  const out: [number, number][] = [];
  for (const slot of slots) {
    const [start, end] = [at(slot.start), at(slot.end)];
    // A slot inside a skipped DST hour (02:00-02:30 on a spring-forward day) is empty.
    if (end > start) out.push([start, end]);
  }
  return out;
}

/** The open intervals that end after `from`, clipped to start at `from` or later, in order, without end. */
function* openIntervalsFrom(hours: BusinessHours, from: number): Generator<[number, number]> {
  const holidays = new Set(hours.holidays);
  let day = DateTime.fromMillis(from, { zone: hours.zone }).startOf('day');
  for (let idle = 0; idle < HORIZON_DAYS; day = day.plus({ days: 1 }).startOf('day')) {
    const intervals = dayIntervals(hours, day, holidays).filter(([, end]) => end > from);
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
  const day = DateTime.fromMillis(at, { zone: hours.zone }).startOf('day');
  const holidays = new Set(hours.holidays);
  return [day.minus({ days: 1 }), day].some((d) => dayIntervals(hours, d, holidays).some(([start, end]) => start <= at && at <= end));
}

/** `minutes` after `from` on a basis. */
export function addMinutes(basis: TimeBasis, from: number, minutes: number): number {
  return basis.kind === 'calendar' ? from + minutes * MINUTE : addBusinessMinutes(basis.hours, from, minutes);
}

/** Minutes between `from` and `to` on a basis (fractional; negative when `to` is earlier). */
export function minutesBetween(basis: TimeBasis, from: number, to: number): number {
  return basis.kind === 'calendar' ? (to - from) / MINUTE : businessMinutesBetween(basis.hours, from, to);
}
