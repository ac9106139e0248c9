import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

// file-type is ESM-only and Jest on Node 20 cannot load ESM in-process: the built module (dist/,
// made by `npm run build`, which `npm test` runs first) answers in a child process, loaded as the
// service loads it.
const BUILT = join(__dirname, '..', '..', 'dist', 'src', 'attachments', 'mime-type.js');
const CHILD = `
const { detectMime } = require(process.argv[1]);
const samples = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
Promise.all(samples.map((s) => detectMime(Buffer.from(s, 'base64')))).then((types) => process.stdout.write(JSON.stringify(types)));
`;

function detectAll(samples: Buffer[]): string[] {
  const input = JSON.stringify(samples.map((s) => s.toString('base64')));
  return JSON.parse(execFileSync(process.execPath, ['-e', CHILD, BUILT], { input, encoding: 'utf8' })) as string[];
}

const b = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];

/** A zip archive whose entries are deflated, as office suites write them (central directory left out: detection reads from the front). */
const zip = (entries: Array<[string, string]>) =>
  Buffer.concat(
    entries.map(([name, text]) => {
      const data = Buffer.from(text);
      const packed = deflateRawSync(data);
      // Local file header: version 20, no flags, deflate, no date, CRC, sizes, name length, no extra.
      const header = b([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0], u32(crc32(data)), u32(packed.length), u32(data.length));
      return Buffer.concat([header, b([name.length, 0, 0, 0]), Buffer.from(name), packed]);
    }),
  );

const officeXml = (main: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  `<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="${main}"/></Types>`;
const DOCX_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082',
  'hex',
);
/** An ISO base media file starts with its `ftyp` box: major brand, version, compatible brands. */
const ftyp = (major: string, ...compatible: string[]) =>
  b([0, 0, 0, 16 + 4 * compatible.length], 'ftyp', major, [0, 0, 0, 0], ...compatible);
const pad = (buf: Buffer, n = 64) => Buffer.concat([buf, Buffer.alloc(Math.max(0, n - buf.length), 0x41)]);

const RECOGNISED: Array<[string, Buffer]> = [
  ['image/png', PNG],
  ['image/jpeg', pad(b([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0]))],
  ['image/gif', pad(b('GIF89a'))],
  ['image/gif', pad(b('GIF87a'))],
  ['image/webp', pad(b('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))],
  ['audio/wav', pad(b('RIFF', [1, 2, 3, 4], 'WAVEfmt '))],
  ['application/pdf', b('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n')],
  ['application/zip', zip([['notes.txt', 'hello']])],
  ['application/zip', pad(b([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))],
  [
    DOCX_MAIN.replace('.main+xml', ''),
    zip([
      ['[Content_Types].xml', officeXml(DOCX_MAIN)],
      ['word/document.xml', '<w:document/>'],
    ]),
  ],
  ['application/gzip', pad(b([0x1f, 0x8b, 0x08, 0x00]))],
  ['video/mp4', pad(ftyp('isom', 'isom', 'mp41'))],
  ['video/quicktime', pad(ftyp('qt  ', 'qt  '))],
  ['audio/mp4', pad(ftyp('M4A ', 'M4A ', 'mp42'))],
  ['image/heic', pad(ftyp('heic', 'mif1', 'heic'))],
  ['image/heic', pad(ftyp('heix', 'mif1', 'heix'))],
  ['image/heif', pad(ftyp('mif1', 'mif1', 'heic'))],
  ['image/heif-sequence', pad(ftyp('msf1', 'msf1', 'hevc'))],
  ['image/heic-sequence', pad(ftyp('hevc', 'msf1', 'hevc'))],
  ['image/avif', pad(ftyp('avif', 'mif1', 'avif'))],
  ['audio/mpeg', pad(b('ID3', [4, 0, 0, 0, 0, 0, 0], [0xff, 0xfb, 0x90, 0x64]))],
  ['audio/mpeg', pad(b([0xff, 0xfb, 0x90, 0x64]))],
  ['audio/aac', pad(b([0xff, 0xf1, 0x50, 0x80]))],
  ['audio/ogg', pad(b('OggS', [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 3, 4, 1, 30, 1], 'vorbis'))],
  ['audio/flac', pad(b('fLaC'))],
  ['video/webm', pad(b([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'))],
  ['video/x-matroska', pad(b([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska'))],
  ['video/x-msvideo', pad(b('RIFF', [1, 2, 3, 4], 'AVI LIST'))],
  ['application/vnd.rar', pad(b('Rar!\x1a\x07\x00'))],
  ['application/x-7z-compressed', pad(b([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))],
];

const UNKNOWN: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['plain text', b('hello, world\n')],
  ['a truncated PNG signature', b([0x89, 0x50, 0x4e, 0x47])],
  ['RIFF of an unknown kind', pad(b('RIFF', [1, 2, 3, 4], 'XXXX'))],
];

describe('detectMime', () => {
  let types: string[];
  beforeAll(() => {
    types = detectAll([...RECOGNISED, ...UNKNOWN].map(([, sample]) => sample));
  });

  it.each(RECOGNISED.map(([mime], i) => [mime, i] as const))('recognises %s', (mime, i) => {
    expect(types[i]).toBe(mime);
  });

  it.each(UNKNOWN.map(([what], i) => [what, RECOGNISED.length + i] as const))('answers application/octet-stream for %s', (_, i) => {
    expect(types[i]).toBe('application/octet-stream');
  });
});
