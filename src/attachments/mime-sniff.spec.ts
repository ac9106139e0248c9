import { OCTET_STREAM, sniffMime } from './mime-sniff';

const b = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const pad = (buf: Buffer, n = 64) => Buffer.concat([buf, Buffer.alloc(Math.max(0, n - buf.length), 0x41)]);

describe('sniffMime', () => {
  it.each<[string, Buffer]>([
    ['image/png', b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ['image/jpeg', b([0xff, 0xd8, 0xff, 0xe0])],
    ['image/gif', b('GIF89a')],
    ['image/gif', b('GIF87a')],
    ['image/webp', b('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
    ['audio/wav', b('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['application/pdf', b('%PDF-1.7\n')],
    ['application/zip', b([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
    ['application/gzip', b([0x1f, 0x8b, 0x08, 0x00])],
    ['video/mp4', b([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0])],
    ['video/quicktime', b([0, 0, 0, 0x14], 'ftypqt  ')],
    ['audio/mp4', b([0, 0, 0, 0x20], 'ftypM4A ')],
    ['image/heic', b([0, 0, 0, 0x18], 'ftypheic')],
    ['audio/mpeg', b('ID3', [4, 0, 0])],
    ['audio/mpeg', b([0xff, 0xfb, 0x90, 0x64])],
    ['audio/ogg', b('OggS', [0, 2])],
    ['audio/flac', b('fLaC')],
    ['video/webm', b([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm')],
    ['video/x-matroska', b([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska')],
    ['application/x-7z-compressed', b([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
  ])('recognises %s', (mime, head) => {
    expect(sniffMime(pad(head))).toBe(mime);
  });

  it.each<[string, Buffer]>([
    ['empty', Buffer.alloc(0)],
    ['plain text', b('hello, world\n')],
    ['a truncated PNG signature', b([0x89, 0x50, 0x4e, 0x47])],
    ['RIFF of an unknown kind', pad(b('RIFF', [1, 2, 3, 4], 'XXXX'))],
    ['an ADTS AAC frame (not layer III)', pad(b([0xff, 0xf1, 0x50, 0x80]))],
  ])('answers application/octet-stream for %s', (_, head) => {
    expect(sniffMime(head)).toBe(OCTET_STREAM);
  });
});
