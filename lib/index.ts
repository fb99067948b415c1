export { serve } from './serve.js';
export { fromSignals } from './signals.js';
export { GracefulShutdown, type GracefulConnection } from './graceful.js';
export { drain, type DrainOptions, type DrainResult } from './drain.js';
export { listen, type ListenEvent, type ListenOptions } from './listen.js';
export type { ServeOptions, Http1Limits } from './options.js';
export type { RequestListener } from './listener.js';
export { router, type Routes, type RouteHandler, type RouteContext } from './router.js';
export { readBytes, readText, readJson, type BodyOptions } from './body.js';
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
  HttpError,
  BodyTooLargeError,
  InvalidJsonError,
  type RxServeErrorCode,
} from './errors.js';
