// Business-time arithmetic cost (docs/sla.md): how long one due-time computation takes for typical and
// extreme targets, the first time a schedule's days are walked and then from its day cache. Run: npm run bench:sla
import { BusinessHours, WEEKDAYS, addBusinessMinutes } from '../src/modules/sla/business-time';

const office: BusinessHours = {
  zone: 'Europe/London',
  weekly: Object.fromEntries(
    WEEKDAYS.slice(0, 5).map((d) => [
      d,
      [
        { start: '09:00', end: '12:30' },
        { start: '13:30', end: '17:30' },
      ],
    ]),
  ),
  holidays: ['2026-12-25', '2026-12-28'],
};
const sparse: BusinessHours = { zone: 'UTC', weekly: { monday: [{ start: '09:00', end: '10:00' }] }, holidays: [] };
const cases: [string, BusinessHours, number][] = [
  ['office hours, 60 min', office, 60],
  ['office hours, 2400 min (about a week)', office, 2400],
  ['office hours, 100000 min (the maximum target)', office, 100_000],
  ['one hour a week, 100000 min (worst case: ~32 years of days)', sparse, 100_000],
];
const from = Date.parse('2026-03-02T08:00:00Z');
for (const [name, hours, minutes] of cases) {
  const runs = minutes > 10_000 ? 5 : 200;
  const coldStart = process.hrtime.bigint();
  addBusinessMinutes(hours, from, minutes); // the first walk over these days fills the per-schedule day cache
  const cold = Number(process.hrtime.bigint() - coldStart) / 1e6;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) addBusinessMinutes(hours, from + i * 60_000, minutes);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  console.log(`${name.padEnd(62)} first ${cold.toFixed(1).padStart(7)} ms, then ${ms.toFixed(3)} ms per due time`);
}
