import type { Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Remote } from './events.js';

/**
 * What rxserve relies on in node that node does not document, one function each, with the
 * node behaviour it needs. Each is pinned by `spec/node-internals.spec.ts`, which fails on
 * a node line where the behaviour no longer holds.
 *
 * @module
 */

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Whether node closes a response still queued behind another (HTTP/1.1 pipelining) when
 * its socket closes: from node 24 its `socketOnClose` destroys them (`abortOutgoing`), and
 * each emits `'close'` a tick later; before, such a response never emits `'close'`.
 */
export const QUEUED_RESPONSES_CLOSE_WITH_SOCKET = NODE_MAJOR >= 24;

/**
 * Called as the socket of `res` closes: a response node never handed the socket (queued
 * behind another) is closed here where node will not close it itself, so whatever waits
 * for its `'close'` (the handler's unsubscription, `ctx.signal`) still hears it.
 */
export function closeQueuedResponse(res: ServerResponse): void {
  if (QUEUED_RESPONSES_CLOSE_WITH_SOCKET || res.socket !== null) return;
  res.destroy();
  res.emit('close');
}

/**
 * Reads the peer of a socket just accepted, so that {@link remoteOf} still knows it once
 * the socket is closed: node asks the kernel the first time `remoteAddress` is read and
 * keeps the answer (`net.Socket#_getpeername` caches it in `_peername`); a socket closed
 * before anyone asked has forgotten its peer (`{}`).
 */
export function rememberRemote(socket: Socket): void {
  void socket.remoteAddress;
}

/**
 * The peer of `socket`, as {@link rememberRemote} kept it.
 */
export function remoteOf(socket: Socket | Duplex | undefined): Remote {
  const { remoteAddress: address, remotePort: port } = (socket ?? {}) as Partial<Socket>;
  return { address, port };
}

/**
 * Makes a private `http.Server`, one that never listens, ready for sockets handed to it:
 * node arms its `headersTimeout`/`requestTimeout` checker and the list of connections
 * `closeIdleConnections()` walks on `'listening'` (setupConnectionsTracking), which a server
 * whose accept loop is someone else's never emits by itself.
 */
export function armPrivateServer(server: HttpServer): void {
  server.emit('listening');
}

/**
 * Hands an accepted socket to a server that does not listen, as its own accept loop would:
 * node's `'connection'` listener is what sets up the socket for HTTP/1.1 (the parser, the
 * timeouts) or HTTP/2 (the session).
 */
export function handSocketTo(server: HttpServer | Http2Server, socket: Duplex): void {
  server.emit('connection', socket);
}

/**
 * Hands an accepted socket to a private `http2.Server` and returns the session node made
 * for it: node's `'connection'` listener creates the session and emits `'session'`
 * synchronously (connectionListener in lib/internal/http2/core.js).
 */
export function captureHttp2Session(server: Http2Server, socket: Socket): ServerHttp2Session | undefined {
  let session: ServerHttp2Session | undefined;
  const capture = (created: ServerHttp2Session): void => void (session = created);
  server.on('session', capture);
  handSocketTo(server, socket);
  server.off('session', capture);
  return session;
}

/**
 * Marks a server-side `TLSSocket` made with `new TLSSocket(socket, { isServer: true })` as
 * done with its handshake, as `tls.Server` does before `'secureConnection'`
 * (onServerSocketSecure in lib/_tls_wrap.js clears `secureConnecting`): an HTTP/2 session
 * handed a socket that is still `secureConnecting` waits for a `'secureConnect'` that a
 * server-side socket never emits. Call it on the socket's `'secure'`.
 */
export function markHandshakeDone(secure: TLSSocket): void {
  (secure as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
}

/**
 * Stops a server accepting, and nothing else: `net.Server`'s own `close()`, called past the
 * subclass's. node's `http.Server.close()` also closes every idle connection (even one still
 * flushing a response to a slow reader), and from node 24 `Http2Server.close()` sends every
 * session its final GOAWAY at once (closeAllSessions), which would refuse a stream in flight
 * at the accept stop; rxserve drains them itself.
 */
export function stopAccepting(server: NetServer): void {
  if (server.listening) NetServer.prototype.close.call(server);
}

/** Whether `server.close()` of node's `http2` servers closes their sessions (from node 24): why {@link stopAccepting}. */
export const HTTP2_CLOSE_CLOSES_SESSIONS = NODE_MAJOR >= 24;
