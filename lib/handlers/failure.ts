import type { IncomingMessage, ServerResponse } from 'node:http';
import { HandlerError, HttpError, InvalidReplyError, type RxServeError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { remoteOf } from '../node-internals.js';
import type { ServerRequest } from './reply.js';
import type { ServerResponseLike } from './reply.js';

/**
 * Answers a request whose handler (or listener) failed, and reports the failure as an
 * `error` event carrying the request's method and url.
 *
 * - Head not sent yet: an {@link HttpError} answers its own status and message, and is not
 *   reported (it is an answer, not a failure); anything else answers a bare 500 with no
 *   detail (never a stack trace), and is reported.
 * - Head already sent: the connection is destroyed, so the client cannot take the
 *   truncated body for a whole one, and the failure is reported (an HttpError too).
 */
export function failRequest(
  req: ServerRequest,
  res: ServerResponseLike,
  error: unknown,
  report: (event: ErrorEvent) => void,
): void {
  const method = req.method ?? '';
  const url = req.url ?? '';
  const answerable = !res.headersSent && !res.writableEnded;
  // An HttpError the head can still carry is the handler's answer (a 404, a 413): there is
  // nothing to report. Anything else, or an HttpError too late to be answered, is a failure.
  if (!(answerable && error instanceof HttpError)) {
    report({
      type: 'error',
      error: reported(error, method, url),
      request: { method, url },
      remote: remoteOf(req.socket ?? undefined),
    });
  }
  if (!answerable) {
    res.destroy();
    return;
  }
  // Keep only what the connection set (Connection: close while draining).
  for (const name of res.getHeaderNames()) if (name !== 'connection') res.removeHeader(name);
  // A body the client is still sending would be read to its end to keep the connection;
  // closing it instead is what makes a 413 cheap.
  if (bodyUnread(req)) res.setHeader('connection', 'close');
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  if (error instanceof HttpError) {
    res.statusCode = error.status;
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    (res as ServerResponse).end(`${error.message}\n`);
    return;
  }
  res.statusCode = 500;
  (res as ServerResponse).end('Internal Server Error\n');
}

function reported(error: unknown, method: string, url: string): RxServeError {
  if (error instanceof InvalidReplyError) return error;
  return new HandlerError(method, url, error);
}

// `complete` is still false while a handler runs synchronously, even for a request that has
// no body at all: only a declared body can be left unread.
function bodyUnread(req: ServerRequest): boolean {
  if ((req as IncomingMessage).complete) return false;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
