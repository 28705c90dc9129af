import { OBJECT_ID_PATTERN, newObjectId } from './object-id';

describe('newObjectId', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const ids = Array.from({ length: 5000 }, () => newObjectId(now));

  it('keeps the ObjectId shape, the creation second first', () => {
    for (const id of ids) expect(id).toMatch(OBJECT_ID_PATTERN);
    expect(ids[0].slice(0, 8)).toBe(Math.floor(now.getTime() / 1000).toString(16));
  });

  it('never lets one id be derived from another: no two ids of one process and second differ only in a counter', () => {
    // A per-process constant with a counter in the last bytes (the former scheme) gives every id of a second
    // the same first 18 hex digits; 8 fresh random bytes make a repeat of even 5 of them (40 bits) improbable.
    const prefixes = new Set(ids.map((id) => id.slice(0, 18)));
    expect(prefixes.size).toBe(ids.length);
    const numbers = ids.map((id) => BigInt(`0x${id}`));
    const neighbours = numbers.filter((n, i) => numbers.includes(n + 1n) || (i > 0 && numbers[i - 1] + 1n === n));
    expect(neighbours).toHaveLength(0);
  });

  it('carries at least 64 random bits: every one of the last 64 bits takes both values', () => {
    let ones = 0n;
    let zeros = 0n;
    const mask = (1n << 64n) - 1n;
    for (const id of ids) {
      const low = BigInt(`0x${id.slice(8)}`);
      ones |= low;
      zeros |= ~low & mask;
    }
    expect(ones).toBe(mask);
    expect(zeros).toBe(mask);
  });
});
