import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { type Observable, type ObservableInput, concatMap, defer, from, of, take, throwIfEmpty } from 'rxjs';
import { HandlerError, InvalidReplyError } from './errors.js';
import type { ErrorEvent } from './events.js';
import { type Reply, type ServerResponseLike, isObservableInput, writeReply } from './reply.js';

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
 * What a handler gets besides the request.
 *
 * @example
 * ```ts
 * const handler: Handler = (req, ctx) => ({ body: interval(1000).pipe(map(String), takeUntil(ctx.draining$)) });
 * ```
 */
export interface RequestContext {
  /** Emits once when graceful shutdown begins (at once if it already has), then completes. */
  readonly draining$: Observable<void>;
  /** Aborted when the request's connection is gone before the response finished. */
  readonly signal: AbortSignal;
}

/**
 * Answers a request with a `Reply`, or with anything `from()` accepts that emits one
 * (a Promise, an Observable: only its first reply is used).
 *
 * @example
 * ```ts
 * const hello: Handler = () => ({ body: 'Hello World!' });
 * const later: Handler = () => timer(100).pipe(map(() => ({ status: 202 })));
 * ```
 */
export type Handler = (req: ServerRequest, ctx: RequestContext) => Reply | ObservableInput<Reply>;

/**
 * What `respond` needs from the server around it.
 *
 * @example
 * ```ts
 * const options: RespondOptions = { handler, draining$: NEVER, report: console.error };
 * ```
 */
export interface RespondOptions {
  readonly handler: Handler;
  readonly draining$: Observable<void>;
  readonly report: (event: ErrorEvent) => void;
}

/**
 * Runs the handler for one request and writes its reply. When the response closes (the
 * reply is done or the client went away) the handler's Observable and the body are
 * unsubscribed and, if unfinished, `ctx.signal` is aborted.
 *
 * A failure before the head is sent answers 500 with no detail; after, the connection is
 * destroyed so a truncated body never looks whole. Either way it is reported.
 *
 * @example
 * ```ts
 * httpServer.on('request', (req, res) => respond(req, res, { handler, draining$, report }));
 * ```
 */
export function respond(req: ServerRequest, res: ServerResponseLike, options: RespondOptions): void {
  const abort = new AbortController();
  const ctx: RequestContext = { draining$: options.draining$, signal: abort.signal };
  const subscription = defer(() => replyOf(options.handler(req, ctx)))
    .pipe(concatMap((reply) => writeReply(res, reply)))
    .subscribe({ error: (error: unknown) => fail(req, res, error, options.report) });
  res.once('close', () => {
    subscription.unsubscribe();
    if (!res.writableFinished) abort.abort(new Error('The connection closed before the response finished'));
  });
}

function replyOf(result: Reply | ObservableInput<Reply>): Observable<Reply> {
  if (!isObservableInput(result)) return of(result);
  return from(result).pipe(
    take(1),
    throwIfEmpty(() => new InvalidReplyError('Expected the handler to emit a Reply, but it completed without one')),
  );
}

function fail(req: ServerRequest, res: ServerResponseLike, error: unknown, report: RespondOptions['report']): void {
  const method = req.method ?? '';
  const url = req.url ?? '';
  report({
    type: 'error',
    error: error instanceof InvalidReplyError ? error : new HandlerError(method, url, error),
    request: { method, url },
    remote: { address: req.socket?.remoteAddress, port: req.socket?.remotePort },
  });
  if (res.headersSent || res.writableEnded) {
    res.destroy();
    return;
  }
  // Keep only what the connection set (Connection: close while draining).
  for (const name of res.getHeaderNames()) if (name !== 'connection') res.removeHeader(name);
  res.statusCode = 500;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  (res as ServerResponse).end('Internal Server Error\n');
}
