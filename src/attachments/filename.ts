import { encodeExtended } from 'content-disposition';

/** The original file name is metadata only (storage keys never derive from it): made safe here. */

export const FILENAME_MAX = 200;
export const DEFAULT_FILENAME = 'file';

// C0/C1 controls, DEL, and the invisible formatting characters that can disguise an extension
// (bidi overrides and isolates, zero-width characters, BOM).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * No path parts (only what follows the last `/` or `\`), no control or invisible formatting
 * characters, no leading dots or surrounding spaces, at most FILENAME_MAX code points (keeping a
 * short extension), never empty.
 */
export function sanitizeFilename(raw: string | undefined | null): string {
  let name = (raw ?? '').replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(UNSAFE, '');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name.trim().replace(/^\.+/, '').trim();
  const points = [...name];
  if (points.length > FILENAME_MAX) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? [...name.slice(dot)] : [];
    const keep = ext.length > 1 && ext.length <= 16 ? ext : [];
    name =
      points
        .slice(0, FILENAME_MAX - keep.length)
        .join('')
        .trimEnd() + keep.join('');
  }
  return name || DEFAULT_FILENAME;
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<exact name>`, the RFC 8187 part
 * encoded by content-disposition. Its `create` is not used: for a plain ASCII name it sends a bare
 * `filename=name` without `filename*`, and this header has always carried both, quoted. The fallback
 * keeps printable ASCII only, without quotes, backslashes or percent signs (some clients decode those).
 */
export function contentDisposition(filename: string): string {
  const name = sanitizeFilename(filename);
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=${encodeExtended(name)}`;
}
