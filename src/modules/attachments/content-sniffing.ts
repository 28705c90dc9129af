/**
 * The content type of a file, from its first bytes, never from what the client said. A small table of magic
 * numbers for the types worth allowing, instead of the `file-type` package: its current versions are ESM-only,
 * which this CommonJS build and jest do not load, and the allow-list needs only these few signatures. A type
 * missing here cannot be allowed (it sniffs as `application/octet-stream`); add its signature to allow it.
 */
export const SNIFF_BYTES = 512;

interface Signature {
  readonly type: string;
  readonly offset: number;
  readonly bytes: readonly number[];
  /** A second signature the file must also carry (RIFF containers name their format at offset 8). */
  readonly also?: { readonly offset: number; readonly bytes: readonly number[] };
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: readonly Signature[] = [
  { type: 'image/png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', offset: 0, bytes: ascii('GIF87a') },
  { type: 'image/gif', offset: 0, bytes: ascii('GIF89a') },
  { type: 'image/webp', offset: 0, bytes: ascii('RIFF'), also: { offset: 8, bytes: ascii('WEBP') } },
  { type: 'application/pdf', offset: 0, bytes: ascii('%PDF-') },
  { type: 'video/mp4', offset: 4, bytes: ascii('ftyp') },
  { type: 'application/zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { type: 'application/gzip', offset: 0, bytes: [0x1f, 0x8b] },
];

const matches = (head: Uint8Array, offset: number, bytes: readonly number[]) =>
  head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);

/**
 * The type of a file whose first bytes (up to SNIFF_BYTES) are `head`. Text is `text/plain` when the head is
 * valid UTF-8 without control characters other than tab, newline, carriage return and form feed; HTML is not
 * told apart from text on purpose: it is served as an attachment with `nosniff`, never rendered.
 */
export function sniffContentType(head: Uint8Array): string {
  for (const s of SIGNATURES) {
    if (matches(head, s.offset, s.bytes) && (!s.also || matches(head, s.also.offset, s.also.bytes))) return s.type;
  }
  return head.length > 0 && looksLikeText(head) ? 'text/plain' : 'application/octet-stream';
}

function looksLikeText(head: Uint8Array): boolean {
  for (const b of head) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
  // The head may end inside a multi-byte character: drop up to 3 trailing bytes of one before decoding.
  let end = head.length;
  for (let i = 0; i < 3 && end > 0 && (head[end - 1] & 0xc0) === 0x80; i++) end--;
  if (end > 0 && head[end - 1] >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** The TicketAsset `type` (TicketAssetTypeEnum) of a content type. */
export function assetTypeOf(contentType: string): 'image' | 'video' | 'file' {
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('video/')) return 'video';
  return 'file';
}
