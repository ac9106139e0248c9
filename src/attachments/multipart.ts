import busboy from 'busboy';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { AppException } from '../common/app.exception';
import { attachmentTooLarge } from './upload-inspector';

export interface IncomingFile {
  /** As the client sent it (path parts kept): sanitise before use. */
  filename: string | undefined;
  stream: Readable;
}

/** Room for the multipart framing and the few small fields allowed next to the file. */
const MULTIPART_OVERHEAD = 1024 * 1024;

const badForm = (message: string) => AppException.validation(message, [{ field: 'file', message }]);

/**
 * Reads a `multipart/form-data` request that carries one file in the field `file`, straight from
 * the request stream (nothing buffered), and hands it to `handle` as it arrives. Resolves with what
 * `handle` returns once the whole form is read and valid. Fails with 400 VALIDATION_FAILED for a
 * request that is not multipart, has no `file` or has another file field; a failure waits for
 * `handle` to settle and gives what it stored to `discard` before the answer goes out. On failure
 * the rest of the request is not read and the connection is closed after the answer.
 */
export function receiveSingleFile<T>(
  req: IncomingMessage,
  res: ServerResponse,
  maxFileBytes: number,
  handle: (file: IncomingFile) => Promise<T>,
  discard: (handled: T) => Promise<void>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxFileBytes + MULTIPART_OVERHEAD) {
      res.setHeader('Connection', 'close');
      reject(attachmentTooLarge(maxFileBytes));
      return;
    }
    let form: busboy.Busboy;
    try {
      form = busboy({
        headers: req.headers,
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fileSize: maxFileBytes + 1, fields: 20, fieldSize: 8 * 1024, parts: 30, headerPairs: 50 },
      });
    } catch {
      reject(badForm('expected a multipart/form-data body with a file in the field "file"'));
      return;
    }

    let work: Promise<T> | null = null;
    let result: { value: T } | null = null;
    let formDone = false;
    let failed = false;

    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(form);
      // What the client still sends is not read: end the connection after the answer.
      if (!req.complete) res.setHeader('Connection', 'close');
      form.destroy(); // ends the file stream, if one is open: `handle` fails and cleans up
      // Answer only after `handle` settled (and what it stored is discarded): its own error (e.g. 413) wins.
      if (!work) {
        reject(err);
        return;
      }
      work.then(
        (handled) =>
          discard(handled)
            .catch(() => undefined)
            .then(() => reject(err)),
        (workErr: unknown) => reject(workErr instanceof AppException ? workErr : err),
      );
    };
    const finishIfDone = () => {
      if (!failed && formDone && result) resolve(result.value);
    };

    form.on('file', (name, stream, info) => {
      // Destroying the form destroys an open file stream with an error: never let that go unheard.
      stream.on('error', () => undefined);
      if (failed) {
        stream.resume();
        return;
      }
      if (name !== 'file' || work) {
        stream.resume();
        fail(badForm(name === 'file' ? 'only one file per upload' : `unexpected file field "${name}"; use "file"`));
        return;
      }
      work = handle({ filename: info.filename, stream });
      work.then(
        (value) => {
          result = { value };
          finishIfDone();
        },
        // What `handle` rejects with is an Error (the storage's, the inspector's 413).
        (err: unknown) => fail(err as Error),
      );
    });
    form.on('close', () => {
      formDone = true;
      if (!work) fail(badForm('the form has no file in the field "file"'));
      else finishIfDone();
    });
    form.on('error', (err: Error) => fail(badForm(`malformed multipart body: ${err.message}`)));
    req.on('error', () => fail(badForm('the upload was interrupted')));
    req.on('close', () => {
      if (!req.complete) fail(badForm('the upload was interrupted'));
    });
    req.pipe(form);
  });
}
