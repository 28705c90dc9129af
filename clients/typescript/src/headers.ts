/**
 * Header helpers for the typed `params.header` of a call. Keep one Idempotency-Key per intended write and
 * send it again on every retry of that write: the service answers a retry with the first answer and stores
 * nothing twice. A new key per attempt would defeat that.
 */
export function idempotencyKey(key: string = globalThis.crypto.randomUUID()): { 'Idempotency-Key': string } {
  // The service accepts 1-255 visible ASCII characters; failing here names the mistake before a 400 does.
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new RangeError('an Idempotency-Key is 1-255 visible ASCII characters');
  return { 'Idempotency-Key': key };
}

/**
 * `If-Match` for an edit: the ETag a GET or PUT answered (`"3"`), or the bare stream revision (3). The edit
 * then applies only while the ticket is still at that revision; otherwise the service answers 412.
 */
export function ifMatch(etag: string | number): { 'if-match': string } {
  const value = String(etag);
  return { 'if-match': value.startsWith('"') || value.startsWith('W/') ? value : `"${value}"` };
}

/** The ETag of an answer (ticket GET and PUT send the stream revision), for the next `ifMatch`. */
export function etagOf(response: Response): string | undefined {
  return response.headers.get('etag') ?? undefined;
}
