/**
 * rxserve: an RxJS server toolkit with a coordinated graceful shutdown across every
 * active connection. Start with {@link serve}; see the graceful-shutdown guide.
 *
 * @module rxserve
 */
export { serve } from './serve.js';
export { fromSignals } from './signals.js';
export { GracefulShutdown, type GracefulConnection } from './graceful.js';
export { drain, type DrainOptions, type DrainResult } from './drain.js';
export { listen, type ListenEvent, type ListenOptions } from './listen.js';
export type { ServeOptions } from './options.js';
export type { ServeProtocol } from './options.js';
export type { Handler, RequestContext, ServerRequest } from './respond.js';
export type { Reply, ReplyBody } from './reply.js';
export type { ServerEvent, ListeningEvent, ShutdownEvent, ClosedEvent, ErrorEvent } from './events.js';
export {
  RxServeError,
  InvalidOptionError,
  ListenError,
  AcceptError,
  HandlerError,
  InvalidReplyError,
  ClientError,
  TlsError,
  type RxServeErrorCode,
} from './errors.js';
