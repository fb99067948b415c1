import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';
import { EMPTY, Observable, type ObservableInput, concat, concatMap, defer, from, isObservable } from 'rxjs';
import { InvalidReplyError } from '../errors.js';

/**
 * A response body: bytes or text at once, or a stream of chunks.
 *
 * - `string` / `Uint8Array`: sent whole, with `Content-Length`.
 * - `Readable` or AsyncIterable: pulled only as fast as the client reads.
 * - Observable (or Promise, array): each chunk is written as it comes; the next one waits
 *   for the socket's `drain`, chunks pushed meanwhile are queued in order.
 *
 * @example
 * ```ts
 * const body: ReplyBody = interval(1000).pipe(map((n) => `tick ${n}\n`), take(3));
 * ```
 */
export type ReplyBody = string | Uint8Array | ObservableInput<string | Uint8Array> | Readable | null;

/**
 * What a handler answers. A reply without a status is 200.
 *
 * @example
 * ```ts
 * const reply: Reply = { status: 201, headers: { location: '/users/1' }, body: 'created' };
 * ```
 */
export interface Reply {
  readonly status?: number;
  readonly headers?: OutgoingHttpHeaders;
  /** What is sent; an object is not sent as JSON by itself: answer {@link json}(value). */
  readonly body?: ReplyBody | UseJsonForAnObjectBody;
}

/**
 * Not a body: its name is what the type error says when a reply's `body` is a plain
 * object, which is not sent as JSON by itself. Answer `json(value)` instead.
 *
 * @example
 * ```ts
 * const reply: Reply = json({ id: 1 }); // not { body: { id: 1 } }
 * ```
 */
export interface UseJsonForAnObjectBody {
  readonly 'answer json(value) to send an object': never;
}

/**
 * The request a handler receives: node's own object for the protocol in use.
 *
 * @example
 * ```ts
 * const handler = (req: ServerRequest) => ({ body: `you asked for ${req.url}` });
 * ```
 */
export type ServerRequest = IncomingMessage | Http2ServerRequest;

/**
 * A response object rxserve writes to: HTTP/1.1's or the HTTP/2 compatibility one.
 */
export type ServerResponseLike = ServerResponse | Http2ServerResponse;

/**
 * Writes `reply` to `res`: status, headers, then the body. Cold; completes when the
 * whole body has been handed to the response; unsubscribing stops the body (its
 * Observable is unsubscribed, its stream destroyed). Errors with an
 * {@link InvalidReplyError} for a reply that is not a valid `Reply`.
 */
export function writeReply(res: ServerResponseLike, reply: unknown): Observable<never> {
  return defer(() => startReply(res, reply) ?? EMPTY);
}

/**
 * Writes `reply`'s status and headers now. A whole body (text, bytes, none) is written and
 * the response ended at once, and nothing is returned; a streamed body is returned as the
 * cold Observable that writes it. Throws an {@link InvalidReplyError} for an invalid reply.
 *
 * The request path calls this directly so that a plain reply costs no subscription.
 */
export function startReply(res: ServerResponseLike, reply: unknown): Observable<never> | undefined {
  const { status, headers, body } = checkReply(reply);
  res.statusCode = status ?? 200;
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
  }
  if (body === undefined || body === null) {
    res.end();
    return undefined;
  }
  if (typeof body === 'string') {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
    (res as ServerResponse).end(body);
    return undefined;
  }
  if (body instanceof Uint8Array) {
    (res as ServerResponse).end(body);
    return undefined;
  }
  if (body instanceof Readable) return piping(body, res);
  if (!isObservable(body) && isAsyncIterable(body)) return piping(Readable.from(body, { objectMode: false }), res);
  if (!isObservableInput(body)) {
    const hint = typeof body === 'object' ? ' (to send an object as JSON, answer json(value))' : '';
    throw new InvalidReplyError(`Expected the reply's \`body\` to be a string, bytes, a stream or an Observable, got ${typeof body}${hint}`);
  }
  return streaming(from(body), res);
}

function ending(res: ServerResponseLike): Observable<never> {
  return defer(() => {
    res.end();
    return EMPTY;
  });
}

// An Observable cannot be paused: chunks it pushes while the socket is full wait in
// concatMap's queue, in order, and the next write starts on 'drain'.
function streaming(chunks$: Observable<string | Uint8Array>, res: ServerResponseLike): Observable<never> {
  // The head goes out now, so a client (an EventSource, say) sees the response start.
  if ('flushHeaders' in res) res.flushHeaders();
  else res.writeHead(res.statusCode);
  return concat(chunks$.pipe(concatMap((chunk) => writing(res, chunk))), ending(res));
}

function writing(res: ServerResponseLike, chunk: unknown): Observable<never> {
  return new Observable<never>((subscriber) => {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
      subscriber.error(new InvalidReplyError(`Expected each body chunk to be a string or bytes, got ${typeof chunk}`));
      return;
    }
    if ((res as ServerResponse).write(chunk)) {
      subscriber.complete();
      return;
    }
    const onDrain = (): void => subscriber.complete();
    res.once('drain', onDrain);
    return () => res.off('drain', onDrain);
  });
}

function piping(stream: Readable, res: ServerResponseLike): Observable<never> {
  return new Observable<never>((subscriber) => {
    const onError = (error: Error): void => subscriber.error(error);
    const onFinish = (): void => subscriber.complete();
    stream.once('error', onError);
    res.once('finish', onFinish);
    stream.pipe(res as NodeJS.WritableStream);
    return () => {
      stream.off('error', onError);
      res.off('finish', onFinish);
      stream.unpipe(res as NodeJS.WritableStream);
      stream.destroy();
    };
  });
}

function checkReply(reply: unknown): Reply {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new InvalidReplyError(`Expected the handler to answer a Reply object, got ${reply === null ? 'null' : typeof reply}`);
  }
  const { status, headers } = reply as Reply;
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 999)) {
    throw new InvalidReplyError(`Expected the reply's \`status\` to be an integer from 100 to 999, got ${String(status)}`);
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    throw new InvalidReplyError(`Expected the reply's \`headers\` to be an object, got ${typeof headers}`);
  }
  return reply as Reply;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<string | Uint8Array> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/**
 * Whether `value` is something `from()` accepts: an Observable, a Promise, an iterable,
 * an AsyncIterable or a ReadableStream.
 */
export function isObservableInput(value: unknown): value is ObservableInput<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const candidate = value as Record<PropertyKey, unknown>;
  return (
    isObservable(value) ||
    typeof candidate['then'] === 'function' ||
    typeof candidate[Symbol.iterator] === 'function' ||
    typeof candidate[Symbol.asyncIterator] === 'function' ||
    typeof candidate['getReader'] === 'function'
  );
}
