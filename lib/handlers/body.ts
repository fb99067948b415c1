import { Observable, map } from 'rxjs';
import { BodyTooLargeError, InvalidJsonError, InvalidOptionError } from '../errors.js';
import type { ServerRequest } from './reply.js';

/**
 * How much of a request body the helpers accept.
 *
 * @example
 * ```ts
 * const options: BodyOptions = { limit: 64 * 1024 };
 * ```
 */
export interface BodyOptions {
  /** The most bytes accepted; more answers 413. Default 1 MiB. */
  readonly limit?: number;
}

const DEFAULT_LIMIT = 1024 * 1024;

/**
 * Reads the whole request body as bytes: emits one `Buffer` when the body ends, then
 * completes. Cold; read it once per request (a body can be consumed only once). A `limit`
 * that is not an integer >= 0 throws an `InvalidOptionError` at the call.
 *
 * The limit holds while streaming: a `Content-Length` over it errors at once, without
 * reading; a body that grows over it errors as soon as the limit is crossed, and what came
 * before is dropped. Both error with a {@link BodyTooLargeError} (413), which the server
 * answers for you (with `Connection: close`, so the rest is never read). Unsubscribing
 * stops listening to the body.
 *
 * ```
 * req data:   --a--b--c--|
 * readBytes:  -----------(x|)     x = Buffer of a+b+c
 * over limit: --a--b--#           # = BodyTooLargeError, at the crossing chunk
 * ```
 *
 * @example
 * ```ts
 * const upload: Handler = (req) => readBytes(req, { limit: 10 * 1024 * 1024 }).pipe(
 *   map((bytes) => ({ status: 201, body: `${bytes.length} bytes stored` })),
 * );
 * ```
 */
export function readBytes(req: ServerRequest, options: BodyOptions = {}): Observable<Buffer> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!(Number.isInteger(limit) && limit >= 0)) throw new InvalidOptionError('limit', 'an integer >= 0', limit);
  return new Observable<Buffer>((subscriber) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      subscriber.error(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        subscriber.error(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      subscriber.next(Buffer.concat(chunks, size));
      subscriber.complete();
    };
    const onError = (error: Error): void => subscriber.error(error);
    const onClose = (): void => subscriber.error(new Error('The request body was cut off before its end'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
    return () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
  });
}

/**
 * Reads the whole request body as UTF-8 text, with the limit of {@link readBytes}.
 *
 * @example
 * ```ts
 * const echo: Handler = (req) => readText(req).pipe(map((text) => ({ body: text })));
 * ```
 */
export function readText(req: ServerRequest, options: BodyOptions = {}): Observable<string> {
  return readBytes(req, options).pipe(map((bytes) => bytes.toString('utf8')));
}

/**
 * Reads the whole request body and parses it as JSON, with the limit of
 * {@link readBytes}. A body that does not parse (an empty one included) errors with an
 * {@link InvalidJsonError}, answered 400. The value is not validated: `T` is a promise you
 * make, not one it checks.
 *
 * @example
 * ```ts
 * const create: Handler = (req) => readJson<{ name: string }>(req).pipe(
 *   map((user) => ({ status: 201, body: `hello ${user.name}` })),
 * );
 * ```
 */
export function readJson<T = unknown>(req: ServerRequest, options: BodyOptions = {}): Observable<T> {
  return readText(req, options).pipe(
    map((text) => {
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new InvalidJsonError(error);
      }
    }),
  );
}
