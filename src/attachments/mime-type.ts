import { fileTypeFromBuffer } from 'file-type';

/**
 * How many leading bytes `detectMime` is given: what file-type itself calls a reasonable sample
 * (its `reasonableDetectionSizeInBytes`, not exported). It holds the first entries of a zip, so a
 * docx, xlsx or epub is told from a plain zip.
 */
export const MIME_SAMPLE_BYTES = 4100;

export const OCTET_STREAM = 'application/octet-stream';

/**
 * file-type names a few formats differently from the names this service stored before it used
 * file-type; those names are kept, so one kind of file keeps one type across old and new rows.
 */
const EARLIER_NAMES: Readonly<Record<string, string>> = {
  'audio/x-m4a': 'audio/mp4',
  'video/matroska': 'video/x-matroska',
  'video/vnd.avi': 'video/x-msvideo',
  'application/x-rar-compressed': 'application/vnd.rar',
};

/**
 * The MIME type of a file from its first bytes, by `file-type` (signatures, ISO brands such as the
 * HEIC ones, the entries of a zip); `application/octet-stream` for anything it does not know, plain
 * text included. What the client claims (the part's Content-Type, the extension) is never used.
 */
export async function detectMime(sample: Uint8Array): Promise<string> {
  try {
    const found = await fileTypeFromBuffer(sample);
    return found ? (EARLIER_NAMES[found.mime] ?? found.mime) : OCTET_STREAM;
  } catch {
    // A sample its parsers give up on (a corrupt or hostile container) is a file of no known type.
    return OCTET_STREAM;
  }
}
