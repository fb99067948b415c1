import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { NEVER, type Observable } from 'rxjs';
import type { ServerRequest } from './reply.js';

// What each connection rxserve serves drains with, by what a request can be traced to: its
// socket (HTTP/1.1, the TLS one under TLS) or its HTTP/2 session. One entry a connection.
const drainingBy = new WeakMap<object, Observable<void>>();

/** Says that the requests of `key` (a socket, an HTTP/2 session) drain with `draining$`. */
export function servedWith(key: object, draining$: Observable<void>): void {
  drainingBy.set(key, draining$);
}

/**
 * The drain signal of a request rxserve serves, for code rxserve does not call: an Express
 * or Fastify route, a Socket.IO handler, anything under `listener` or an adopted `server`.
 * It is what `ctx.draining$` is for a handler: it emits once when draining begins (the
 * accept stop; at once if it has), then completes, so a stream or a long poll can end
 * cleanly instead of being cut at the deadline. For a request rxserve does not serve it
 * never emits.
 *
 * @example
 * ```ts
 * app.get('/events', (req, res) => {
 *   res.writeHead(200, { 'content-type': 'text/event-stream' });
 *   const ticks = interval(1000).pipe(takeUntil(drainingOf(req))).subscribe({
 *     next: (n) => res.write(`data: ${n}\n\n`),
 *     complete: () => res.end('event: bye\ndata: \n\n'),
 *   });
 *   req.on('close', () => ticks.unsubscribe());
 * });
 * ```
 */
export function drainingOf(req: ServerRequest): Observable<void> {
  const key = (req as Http2ServerRequest).stream?.session ?? (req as IncomingMessage).socket;
  return (key && drainingBy.get(key)) ?? NEVER;
}

/**
 * {@link drainingOf} as an `AbortSignal`, for code that is not Rx: aborted when draining
 * begins (its `reason` says so). For a request rxserve does not serve it is never aborted.
 *
 * @example
 * ```ts
 * app.get('/export', async (req, res) => {
 *   for await (const row of db.rows({ signal: drainingSignalOf(req) })) res.write(row);
 *   res.end();
 * });
 * ```
 */
export function drainingSignalOf(req: ServerRequest): AbortSignal {
  const controller = new AbortController();
  const subscription = drainingOf(req).subscribe(() => controller.abort(new Error('The server is draining: finish, then let the connection close')));
  // The request's end lets go of the subscription (a listener on a server-wide Observable).
  req.once('close', () => subscription.unsubscribe());
  return controller.signal;
}
