import { jsonLimitBreach } from './json-limits';

const limits = { maxDepth: 4, maxKeys: 3, maxItems: 5, maxValues: 20 };
/** `depth` levels of containers: `{a: {a: … 'leaf'}}` or `[[…]]`. */
const nested = (depth: number, array = false): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
};

describe('jsonLimitBreach', () => {
  it('accepts a body at every bound', () => {
    expect(jsonLimitBreach(nested(4), limits)).toBeUndefined();
    expect(jsonLimitBreach(nested(4, true), limits)).toBeUndefined();
    expect(jsonLimitBreach({ a: 1, b: [1, 2, 3, 4, 5], c: null }, limits)).toBeUndefined();
    expect(jsonLimitBreach('a string body', limits)).toBeUndefined();
  });

  it('refuses one level too deep, in objects and in arrays', () => {
    expect(jsonLimitBreach(nested(5), limits)).toBe('The JSON body nests deeper than 4 levels');
    expect(jsonLimitBreach({ x: 1, y: nested(4, true) }, limits)).toBe('The JSON body nests deeper than 4 levels');
  });

  it('refuses too many members, elements or values', () => {
    expect(jsonLimitBreach({ a: 1, b: 2, c: 3, d: 4 }, limits)).toBe('A JSON object has more than 3 members');
    expect(jsonLimitBreach({ a: [1, 2, 3, 4, 5, 6] }, limits)).toBe('A JSON array has more than 5 elements');
    const wide = { a: [1, 2, 3, 4, 5], b: [1, 2, 3, 4, 5], c: [1, 2, 3, 4, 5] }; // 1 + 3 + 15 values
    expect(jsonLimitBreach(wide, limits)).toBeUndefined();
    expect(jsonLimitBreach(wide, { ...limits, maxValues: 18 })).toBe('The JSON body holds more than 18 values');
  });

  it('refuses a lone surrogate in a string or a member name, and accepts every well-formed text', () => {
    expect(jsonLimitBreach({ a: ['ok', '\ud800'] }, limits)).toMatch(/lone surrogate/);
    expect(jsonLimitBreach({ ['\udc00']: 1 }, limits)).toMatch(/member name holds a lone surrogate/);
    expect(jsonLimitBreach('\ud800', limits)).toMatch(/lone surrogate/);
    expect(jsonLimitBreach({ a: '😀 \ud83d\ude00 é', ['ключ']: 'ok' }, limits)).toBeUndefined();
  });

  it('measures a body nested 100,000 levels deep without overflowing the stack', () => {
    // JSON.parse builds it iteratively; a recursive walk over it throws RangeError.
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(jsonLimitBreach(deep, { ...limits, maxDepth: 32, maxValues: 1e6 })).toBe('The JSON body nests deeper than 32 levels');
    expect(jsonLimitBreach(deep, { ...limits, maxDepth: 200_000, maxValues: 1e6 })).toBeUndefined();
  });
});
