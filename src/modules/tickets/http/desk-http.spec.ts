import { listParts, parseIfMatch } from './desk-http';
import { ftsQuery } from '../read-model/search-query';

describe('If-Match', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['*', undefined],
    ['"3"', [3n]],
    ['"3", "7"', [3n, 7n]],
    ['W/"3"', []],
    ['3', []],
    ['"x", "4"', [4n]],
  ])('%p allows revisions %p', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });
});

describe('TicketList parts (reference 6.6)', () => {
  it.each([
    [undefined, undefined, { items: true, filters: true }],
    [true, undefined, { items: true, filters: false }],
    [undefined, true, { items: false, filters: true }],
    [false, undefined, { items: false, filters: true }],
    [undefined, false, { items: true, filters: false }],
    [true, true, { items: true, filters: true }],
    [false, false, { items: false, filters: false }],
  ])('items=%p filters=%p', (items, filters, expected) => {
    expect(listParts(items, filters)).toEqual(expected);
  });
});

describe('full-text query', () => {
  it('quotes every word as a prefix phrase, so operators and quotes are plain text', () => {
    expect(ftsQuery('late order')).toBe('"late"* "order"*');
    expect(ftsQuery('"x" AND (y* OR z)')).toBe('"x"* "AND"* "y"* "OR"* "z"*');
    expect(ftsQuery('Café  FY-123')).toBe('"Café"* "FY"* "123"*');
    expect(ftsQuery('!!! ---')).toBeUndefined();
  });
});
