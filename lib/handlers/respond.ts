import { type Observable, type ObservableInput, concatMap, from, take, throwIfEmpty } from 'rxjs';
import { InvalidReplyError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { failRequest as fail } from './failure.js';
import { type Reply, type ServerRequest, type ServerResponseLike, isObservableInput, startReply, writeReply } from './reply.js';
import { type OptionCheck, check } from '../option-checks.js';

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
 */
export interface RespondOptions {
  readonly handler: Handler;
  readonly draining$: Observable<void>;
  readonly report: (event: ErrorEvent) => void;
}

/**
 * Runs the handler for one request and writes its reply. When the response closes (the
 * reply is done or the client went away) the handler's Observable and the body are
 * unsubscribed and, if unfinished, `ctx.signal` is aborted: all of it while node emits the
 * socket's `close`, so a `finalize` in the handler runs in that same turn.
 *
 * A failure before the head is sent answers 500 with no detail (an `HttpError` answers
 * its own status); after, the connection is destroyed so a truncated body never looks
 * whole. Either way it is reported as an `error` event with the request's method and url.
 */
export function respond(req: ServerRequest, res: ServerResponseLike, options: RespondOptions): void {
  const ctx = new Context(options.draining$);
  let streaming$: Observable<never> | undefined;
  try {
    const result = options.handler(req, ctx);
    // The common case, a plain reply with a whole body, is written here and now: no
    // subscription, nothing left to cancel.
    streaming$ = isObservableInput(result)
      ? from(result).pipe(
          take(1),
          throwIfEmpty(() => new InvalidReplyError('Expected the handler to emit a Reply, but it completed without one')),
          concatMap((reply) => writeReply(res, reply)),
        )
      : startReply(res, result);
  } catch (error) {
    fail(req, res, error, options.report);
  }
  if (streaming$ === undefined && !ctx.isWatched) return;
  const subscription = streaming$?.subscribe({ error: (error: unknown) => fail(req, res, error, options.report) });
  res.once('close', () => {
    subscription?.unsubscribe();
    if (!res.writableFinished) ctx.abort();
  });
}

// ctx.signal is made on first use: most handlers never read it, and an AbortController
// per request is a measurable share of a hello-world's cost.
class Context implements RequestContext {
  private controller: AbortController | undefined;
  private gone = false;

  constructor(readonly draining$: Observable<void>) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort(goneReason());
    }
    return this.controller.signal;
  }

  /** Whether the handler took `signal`, so the response's close must be watched for it. */
  get isWatched(): boolean {
    return this.controller !== undefined;
  }

  abort(): void {
    this.gone = true;
    this.controller?.abort(goneReason());
  }
}

function goneReason(): Error {
  return new Error('The connection closed before the response finished');
}

/** The check of `serve()`'s `handler` option (required unless `listener` is given). */
export const handlerOption: OptionCheck<Handler | undefined> = (value, name) => {
  check(name, value === undefined || typeof value === 'function', 'a function `(req, ctx) => Reply`', value);
  return value as Handler | undefined;
};
