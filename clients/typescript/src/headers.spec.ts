import { etagOf, idempotencyKey, ifMatch } from './headers';

describe('header helpers', () => {
  it('idempotencyKey: a given key as it is, else a new UUID each call; keys the service would refuse throw', () => {
    expect(idempotencyKey('order-42-comment')).toEqual({ 'Idempotency-Key': 'order-42-comment' });
    const [a, b] = [idempotencyKey()['Idempotency-Key'], idempotencyKey()['Idempotency-Key']];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    expect(() => idempotencyKey('')).toThrow(RangeError);
    expect(() => idempotencyKey('has space')).toThrow(RangeError);
    expect(() => idempotencyKey('x'.repeat(256))).toThrow(RangeError);
  });

  it('ifMatch: an ETag as the service sent it, a bare revision quoted', () => {
    expect(ifMatch('"3"')).toEqual({ 'if-match': '"3"' });
    expect(ifMatch(3)).toEqual({ 'if-match': '"3"' });
    expect(ifMatch('3')).toEqual({ 'if-match': '"3"' });
    expect(ifMatch('W/"3"')).toEqual({ 'if-match': 'W/"3"' });
  });

  it('etagOf reads the ETag of an answer', () => {
    expect(etagOf(new Response(null, { headers: { etag: '"7"' } }))).toBe('"7"');
    expect(etagOf(new Response(null))).toBeUndefined();
  });
});
