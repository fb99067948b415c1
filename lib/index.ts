/**
 * rxserve: an RxJS server toolkit with a coordinated graceful shutdown across every
 * active connection. Start with {@link serve}; see the graceful-shutdown guide.
 *
 * @module rxserve
 */
export { serve } from './serve.js';
export { fromSignals } from './signals.js';
export { fromMessages } from './messages.js';
export { shutdownSignals } from './shutdown-signals.js';
export { exitOnClose } from './exit-on-close.js';
export { GracefulShutdown, type GracefulConnection, type ConnectionInfo, type RequestInfo } from './graceful.js';
export { fromCloseEvent } from './close-event.js';
export { drain, type DrainOptions, type DrainResult } from './drain.js';
export { shutdownSequence, type ShutdownSequenceOptions, type ShutdownSequenceEvent } from './shutdown-sequence.js';
export type { HealthOptions } from './health.js';
export { listen, type ListenEvent, type ListenOptions } from './listen.js';
export type { ServeOptions, Http1Limits } from './options.js';
export type { RequestListener } from './listener.js';
export { router, type Routes, type RouteHandler, type RouteContext } from './router.js';
export { readBytes, readText, readJson, type BodyOptions } from './body.js';
export type { ServeProtocol } from './options.js';
export type { Handler, RequestContext, ServerRequest } from './respond.js';
export type { Reply, ReplyBody } from './reply.js';
export type {
  BufferFullPolicy,
  WebSocketContext,
  WebSocketHandler,
  WebSocketMessage,
  WebSocketOutput,
} from './websocket-connection.js';
export type { WebSocketRoutes } from './websocket.js';
export type {
  ServerEvent,
  ListeningEvent,
  DrainingEvent,
  ShutdownEvent,
  RemainingEvent,
  OverdueEvent,
  ClosedEvent,
  ErrorEvent,
} from './events.js';
export {
  RxServeError,
  InvalidOptionError,
  ListenError,
  AcceptError,
  HandlerError,
  InvalidReplyError,
  ClientError,
  HttpError,
  BodyTooLargeError,
  InvalidJsonError,
  TlsError,
  type RxServeErrorCode,
} from './errors.js';
