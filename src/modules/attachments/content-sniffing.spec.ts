import { assetTypeOf, sniffContentType } from './content-sniffing';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('content sniffing', () => {
  it.each([
    ['image/png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13])],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['image/gif', bytes('GIF89a', [1, 0])],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['application/pdf', bytes('%PDF-1.7\n')],
    ['video/mp4', bytes([0, 0, 0, 0x18], 'ftypmp42')],
    ['application/zip', bytes('PK', [3, 4, 20, 0])],
    ['text/plain', Buffer.from('hello, world\n\tünïcødé', 'utf8')],
  ])('tells %s from its first bytes', (type, head) => {
    expect(sniffContentType(head)).toBe(type);
  });

  it('does not take a RIFF file that is not WebP for WebP', () => {
    expect(sniffContentType(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBe('application/octet-stream');
  });

  it('calls binary and invalid UTF-8 octet-stream, and an empty file too', () => {
    expect(sniffContentType(bytes([0x4d, 0x5a, 0x90, 0x00]))).toBe('application/octet-stream'); // an .exe
    expect(sniffContentType(bytes('abc', [0xff, 0xfe], 'def'))).toBe('application/octet-stream');
    expect(sniffContentType(bytes())).toBe('application/octet-stream');
  });

  it('accepts text whose head ends inside a multi-byte character', () => {
    const text = Buffer.from('aaaé', 'utf8');
    expect(sniffContentType(text.subarray(0, text.length - 1))).toBe('text/plain');
  });

  it('maps content types to TicketAsset types', () => {
    expect(assetTypeOf('image/png')).toBe('image');
    expect(assetTypeOf('video/mp4')).toBe('video');
    expect(assetTypeOf('application/pdf')).toBe('file');
  });
});
