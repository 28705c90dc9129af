/**
 * What an `Authorization: Basic …` header says (RFC 7617, with RFC 6749 2.3.1's percent-encoded id and
 * secret): the pair, or why it is not one. A pure function of the header that never throws, so no input,
 * however broken, becomes a 500.
 */
export type BasicCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'pair'; readonly clientId: string; readonly secret: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function basicCredentials(header: string | undefined): BasicCredentials {
  const scheme = /^Basic(?:[ \t]+|$)/i.exec(header ?? '');
  if (!scheme) return { kind: 'none' }; // another scheme (or none): the form may carry the credentials
  const token = header!.slice(scheme[0].length).trim();
  const malformed = (reason: string): BasicCredentials => ({ kind: 'malformed', reason: `Authorization: Basic ${reason}` });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return malformed('needs base64(api_key:api_secret)');
  // Buffer's decoder skips what it does not understand; only a token that encodes back to itself is base64.
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== token.replace(/=+$/, '')) return malformed('is not valid base64');
  let decoded: string;
  try {
    decoded = UTF8.decode(bytes);
  } catch {
    return malformed('does not decode to UTF-8 text');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return malformed('needs api_key:api_secret (no colon)');
  const clientId = percentDecoded(decoded.slice(0, colon));
  const secret = percentDecoded(decoded.slice(colon + 1));
  if (clientId === undefined || secret === undefined) return malformed('has a malformed percent-encoding');
  if (clientId === '' || secret === '') return malformed('has an empty api_key or api_secret');
  return { kind: 'pair', clientId, secret };
}

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined; // URIError: a lone '%', '%zz', or escapes that are not UTF-8
  }
}
