/**
 * The MIME type of a file from its first bytes ("magic numbers"). Only formats with an unambiguous
 * signature are recognised; anything else is `application/octet-stream`. What the client claims
 * (the part's Content-Type, the file name's extension) is never used.
 */

/** How many leading bytes `sniffMime` looks at. */
export const SNIFF_BYTES = 64;

export const OCTET_STREAM = 'application/octet-stream';

type Rule = { mime: string; offset?: number; bytes: Array<number | null> } | { mime: string; test: (head: Buffer) => boolean };

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function matchesAt(head: Buffer, offset: number, bytes: Array<number | null>): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => b === null || head[offset + i] === b);
}

/** ISO base media (MP4 family): `....ftyp<brand>`, the major brand says which kind. */
function isoBrand(head: Buffer): string | null {
  if (head.length < 12 || head.toString('latin1', 4, 8) !== 'ftyp') return null;
  return head.toString('latin1', 8, 12);
}

const ISO_BRANDS: Record<string, string> = {
  'qt  ': 'video/quicktime',
  'M4A ': 'audio/mp4',
  'M4B ': 'audio/mp4',
  'M4V ': 'video/x-m4v',
  heic: 'image/heic',
  heix: 'image/heic',
  mif1: 'image/heif',
  avif: 'image/avif',
  '3gp4': 'video/3gpp',
  '3gp5': 'video/3gpp',
  '3g2a': 'video/3gpp2',
};

/** MPEG audio frame header: 11 sync bits, MPEG version ≠ reserved, layer III. */
function isMp3Frame(head: Buffer): boolean {
  if (head.length < 3 || head[0] !== 0xff || (head[1] & 0xe0) !== 0xe0) return false;
  const version = (head[1] >> 3) & 0x03;
  const layer = (head[1] >> 1) & 0x03;
  const bitrate = head[2] >> 4;
  return version !== 0x01 && layer === 0x01 && bitrate !== 0x0f && bitrate !== 0x00;
}

/** First match wins, so more specific signatures come first. */
const RULES: Rule[] = [
  { mime: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mime: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { mime: 'image/gif', bytes: ascii('GIF87a') },
  { mime: 'image/gif', bytes: ascii('GIF89a') },
  { mime: 'image/webp', bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('WEBP')] },
  { mime: 'audio/wav', bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('WAVE')] },
  { mime: 'video/x-msvideo', bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('AVI ')] },
  {
    mime: 'image/bmp',
    test: (h) => matchesAt(h, 0, ascii('BM')) && h.length >= 18 && h.readUInt32LE(14) >= 12 && h.readUInt32LE(14) <= 124,
  },
  { mime: 'image/tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { mime: 'image/tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { mime: 'image/x-icon', bytes: [0x00, 0x00, 0x01, 0x00] },
  { mime: 'application/pdf', bytes: ascii('%PDF-') },
  { mime: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { mime: 'application/zip', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { mime: 'application/gzip', bytes: [0x1f, 0x8b, 0x08] },
  { mime: 'application/x-bzip2', bytes: ascii('BZh') },
  { mime: 'application/x-xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { mime: 'application/x-7z-compressed', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { mime: 'application/vnd.rar', bytes: ascii('Rar!\x1a\x07') },
  { mime: 'application/zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { mime: 'application/wasm', bytes: [0x00, 0x61, 0x73, 0x6d] },
  {
    mime: 'video/mp4',
    test: (h) => {
      const brand = isoBrand(h);
      return brand !== null && !(brand in ISO_BRANDS);
    },
  },
  ...Object.entries(ISO_BRANDS).map(([brand, mime]): Rule => ({ mime, test: (h) => isoBrand(h) === brand })),
  // Matroska/WebM: the EBML header names its doctype within the first bytes.
  { mime: 'video/webm', test: (h) => matchesAt(h, 0, [0x1a, 0x45, 0xdf, 0xa3]) && h.includes('webm', 4, 'latin1') },
  { mime: 'video/x-matroska', bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { mime: 'audio/mpeg', bytes: ascii('ID3') },
  { mime: 'audio/ogg', bytes: ascii('OggS') },
  { mime: 'audio/flac', bytes: ascii('fLaC') },
  { mime: 'audio/midi', bytes: ascii('MThd') },
  { mime: 'audio/mpeg', test: isMp3Frame },
];

export function sniffMime(head: Buffer): string {
  for (const rule of RULES) {
    const hit = 'test' in rule ? rule.test(head) : matchesAt(head, rule.offset ?? 0, rule.bytes);
    if (hit) return rule.mime;
  }
  return OCTET_STREAM;
}
