/**
 * rxserve: an RxJS server toolkit with a coordinated graceful shutdown across every
 * active connection. Start with {@link serve}; see the graceful-shutdown guide.
 *
 * @module rxserve
 */
export { serve } from './serve.js';
export { fromSignals } from './shutdown/signals.js';
export { fromMessages } from './shutdown/messages.js';
export { shutdownSignals } from './shutdown/shutdown-signals.js';
export { exitOnClose } from './shutdown/exit-on-close.js';
export { GracefulShutdown } from './shutdown/graceful-shutdown.js';
export type { GracefulConnection, ConnectionInfo, RequestInfo } from './shutdown/connection.js';
export { drain, type DrainOptions, type DrainResult } from './shutdown/drain.js';
export type { HealthOptions } from './handlers/health.js';
export { listen, type ListenEvent, type ListenOptions } from './accept/listen.js';
export { type InheritedSocket, systemdSocket, systemdSockets } from './accept/inherited-socket.js';
export type { ServeOptions, ServeProtocol } from './options.js';
export type { Http1Limits } from './protocols/http1.js';
export type { WebSocketOptions } from './websocket/options.js';
export type { RequestListener } from './handlers/listener.js';
export { router, type Routes, type RouteHandler, type RouteContext } from './handlers/router.js';
export { readBytes, readText, readJson, type BodyOptions } from './handlers/body.js';
export type { Handler, RequestContext } from './handlers/respond.js';
export type { Reply, ReplyBody, ServerRequest, UseJsonForAnObjectBody } from './handlers/reply.js';
export { json } from './handlers/json.js';
export { drainingOf, drainingSignalOf } from './handlers/draining.js';
export type { AdoptableServer } from './accept/adopt.js';
export type {
  BufferFullPolicy,
  WebSocketContext,
  WebSocketHandler,
  WebSocketMessage,
  WebSocketOutput,
} from './websocket/connection.js';
export type { WebSocketRoutes } from './websocket/upgrade.js';
export type {
  ServerEvent,
  ListeningEvent,
  StoppingEvent,
  ShutdownEvent,
  RemainingEvent,
  OverdueEvent,
  ClosedEvent,
  ErrorEvent,
  Remote,
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
