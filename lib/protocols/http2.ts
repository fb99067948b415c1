import type {
  Http2SecureServer,
  Http2Server,
  Http2ServerRequest,
  Http2ServerResponse,
  ServerHttp2Session,
} from 'node:http2';
import type { Socket } from 'node:net';
import { type Observable, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { servedWith } from '../handlers/draining.js';
import { ClientError, PEER_GONE_CODES } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { type ConnectionInfo, type GracefulConnection, SocketConnection } from '../shutdown/connection.js';
import { type HandoffTimeout, handshakeTimeoutOf } from './handoff.js';
import { captureHttp2Session, remoteOf } from '../node-internals.js';
import { countResponsesOf, http2Response } from './http2-response.js';
import { OpenStreams, countStreamsOf } from './open-streams.js';
import type { Protocol } from './protocol.js';

/**
 * What the HTTP/2 protocol needs from the server around it.
 */
export interface Http2Options {
  /**
   * Called for each stream, with node's compatibility request and response. Without it no
   * compatibility layer is set up (an adopted server whose app speaks node's core API).
   */
  readonly onRequest?: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  readonly report: (event: ErrorEvent) => void;
  /**
   * Milliseconds a new session has to receive the client's connection preface (its
   * SETTINGS); then it is reported and closed. Default: no limit.
   */
  readonly handshakeTimeout?: number;
  /** What times `handshakeTimeout`; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * An `http2.Http2Server` or `Http2SecureServer` of the app's to serve over
   * (`serve({ server })`), whose own `'request'` listeners `onRequest` calls; rxserve drains
   * its sessions. Default: a private server that never listens.
   */
  readonly server?: Http2Server | Http2SecureServer;
  /** What `drainingOf(req)` gives for this protocol's requests: the moment draining begins. */
  readonly draining$?: Observable<void>;
}

/** The HTTP/2 side of a server, with a way in for sessions its server made itself. */
export interface Http2Protocol extends Protocol {
  /** Watches a session the server made for `socket` (the TCP socket, or the TLS one). */
  watch(socket: Socket, session: ServerHttp2Session): GracefulConnection;
}

/**
 * The largest stream id (2^31-1), carried by the first GOAWAY of a drain (RFC 9113 §6.8).
 */
export const MAX_STREAM_ID = 2 ** 31 - 1;

/**
 * Milliseconds a drain waits on an HTTP/2 peer, twice at most: for the ack of the PING
 * that follows the first GOAWAY (then the final GOAWAY goes anyway), and for the peer to
 * close its side once the final GOAWAY is out and no stream is open (then the connection
 * is closed). A peer that has vanished (its process frozen, its network gone) costs this,
 * not the deadline; Envoy bounds the same two waits (`drain_timeout`, `delayed_close_timeout`).
 */
export const HTTP2_PEER_TIMEOUT = 1_000;

/**
 * HTTP/2 over node's `nghttp2`: each accepted socket (cleartext with prior knowledge, or
 * TLS that negotiated `h2`) is handed to a private `http2.Server` that never listens, and
 * comes back as a session that drains as RFC 9113 §6.8 recommends:
 *
 * ```
 * server → client:  GOAWAY(2^31-1) PING ........ GOAWAY(last id) ... streams end ... close
 * client → server:  ...streams in flight... PING ack
 * ```
 *
 * The first GOAWAY tells the client to open no more streams; the PING round trip proves
 * it has read that; the final GOAWAY names the last stream served, so the client knows
 * any later one was not processed and is safe to retry (node's client fails those with
 * REFUSED_STREAM). Open streams finish with their full responses, then the session closes.
 * A session with no open stream gets the final GOAWAY at once.
 *
 * node does not expose nghttp2's shutdown notice, and nghttp2 stops accepting streams at
 * any other GOAWAY: a stream that crosses the first GOAWAY on the wire is not served, and
 * the final GOAWAY's id says so.
 */
export function http2Protocol(options: Http2Options): Http2Protocol {
  const owned = options.server === undefined;
  const server = options.server ?? http2().createServer({ Http2ServerResponse: http2Response() });
  const sockets = new WeakMap<ServerHttp2Session, Socket>();
  const onSessionError = (error: NodeJS.ErrnoException, session: ServerHttp2Session): void => {
    if (PEER_GONE_CODES.has(error.code ?? '')) return;
    // Not session.socket: node unbinds it from a session torn down by the error.
    options.report({ type: 'error', error: new ClientError(error), remote: remoteOf(sockets.get(session)) });
  };
  // A TLS socket that did not negotiate h2 is never handed here (see tlsProtocol); should
  // one come, node would keep it open for `unknownProtocolTimeout`.
  const onUnknownProtocol = (socket: Socket): void => void socket.destroy();
  if (options.onRequest) server.on('request', options.onRequest);
  server.on('sessionError', onSessionError);
  if (owned) server.on('unknownProtocol', onUnknownProtocol);
  // rxserve's own responses count their streams in; an adopted server's are the app's.
  const responsesCountThemselves = owned && options.onRequest !== undefined;
  const watch = (socket: Socket, session: ServerHttp2Session | undefined): Http2Connection => {
    const preface = handshakeTimeoutOf(socket, options, 'ERR_HTTP_REQUEST_TIMEOUT', 'No HTTP/2 connection preface');
    if (session) sockets.set(session, socket);
    if (session && options.draining$) servedWith(session, options.draining$);
    if (session && preface) awaitPreface(session, preface);
    const connection = new Http2Connection(socket, session, options.scheduler ?? asyncScheduler);
    if (session && responsesCountThemselves) countResponsesOf(session, connection.streams);
    else if (session) countStreamsOf(session, connection.streams);
    return connection;
  };
  return {
    accept(socket) {
      // Accepted sockets are set up as node's http.Server wants them (allowHalfOpen); node's
      // http2.Server takes its own without, and its sessions count on the socket ending
      // itself once the peer has ended.
      socket.allowHalfOpen = false;
      return watch(socket, captureHttp2Session(server, socket));
    },
    watch,
    close() {
      if (options.onRequest) server.off('request', options.onRequest);
      server.off('sessionError', onSessionError);
      server.off('unknownProtocol', onUnknownProtocol);
    },
  };
}

/** Closes and reports `session` if the client's SETTINGS have not come in time. */
function awaitPreface(session: ServerHttp2Session, timeout: HandoffTimeout): void {
  const waiting = timeout.scheduler.schedule(() => {
    timeout.onTimeout();
    session.destroy();
  }, timeout.ms);
  const settled = (): void => waiting.unsubscribe();
  session.once('remoteSettings', settled);
  session.once('close', settled);
}

// node:http2 is loaded when a server speaks HTTP/2, not when rxserve is imported.
const http2 = (): typeof import('node:http2') => process.getBuiltinModule('node:http2');

const enum State {
  Open,
  GoingAway,
  Closing,
  Destroyed,
}

class Http2Connection extends SocketConnection<Socket> {
  readonly protocol = 'http2';
  private state = State.Open;
  /** The session's open streams; the drain's final GOAWAY goes when the last one closes. */
  readonly streams = new OpenStreams(() => this.close());
  /** The bounded waits on the peer (see HTTP2_PEER_TIMEOUT); ended with the socket. */
  private waiting: Subscription | undefined;

  constructor(
    socket: Socket,
    private readonly session: ServerHttp2Session | undefined,
    private readonly scheduler: SchedulerLike,
  ) {
    super(socket);
    socket.once('close', () => {
      this.waiting?.unsubscribe();
      this.reportClosed();
    });
  }

  describe(): ConnectionInfo {
    return { protocol: this.protocol, remote: remoteOf(this.socket), requests: this.streams.describe(Date.now()) };
  }

  gracefulShutdown(): void {
    if (this.state !== State.Open) return;
    this.state = State.GoingAway;
    const session = this.session;
    if (!session || session.closed || session.destroyed) return;
    // Once it has sent a GOAWAY, nghttp2 stops reading a session with no open stream
    // (nghttp2_session_want_read), so a PING ack would never be read: with nothing in
    // flight (or no preface yet) the final GOAWAY goes at once.
    if (this.streams.size === 0) return this.close();
    session.goaway(http2().constants.NGHTTP2_NO_ERROR, MAX_STREAM_ID);
    // nghttp2 sends a PING ahead of any GOAWAY still queued, but its ack must prove the
    // client read the GOAWAY: ping once node has flushed the GOAWAY, which it does in a
    // native immediate queued by goaway(), so before this one.
    setImmediate(() => this.ping(session));
  }

  destroy(): void {
    if (this.state === State.Destroyed) return;
    this.state = State.Destroyed;
    this.waiting?.unsubscribe();
    this.session?.destroy();
    // After close(), session.destroy() only ends the socket and waits for the peer.
    this.socket.destroy();
    this.reportClosed();
  }

  private ping(session: ServerHttp2Session): void {
    if (this.state !== State.GoingAway || session.destroyed) return;
    // The callback also runs, with an error, when the session dies before the ack.
    if (!session.ping(() => this.close())) return this.close();
    this.wait(() => this.close());
  }

  // session.close() sends the final GOAWAY with the last stream id node processed
  // (nghttp2_session_get_last_proc_stream_id) and closes once the open streams are done;
  // also called when the last stream closes before the PING ack (see gracefulShutdown).
  // node repeats that GOAWAY when the session is torn down, which RFC 9113 §6.8 allows:
  // the id never grows.
  private close(): void {
    if (this.state !== State.GoingAway) return;
    this.state = State.Closing;
    this.waiting?.unsubscribe();
    if (this.session && !this.session.destroyed) this.session.close();
    // Once the last stream is done, node ends the socket and then waits for the peer's end
    // with no timer, so a vanished peer would hold the drain to the deadline. Destroying at
    // once could lose data instead: a peer still reading the last response answers with a
    // WINDOW_UPDATE, a closed socket answers that with a reset, and a reset makes the peer's
    // kernel drop what it had not read yet. So the peer gets HTTP2_PEER_TIMEOUT to close.
    const lingering = (): void =>
      this.wait(() => {
        this.socket.destroy();
        this.reportClosed();
      });
    if (this.socket.writableFinished) lingering();
    else this.socket.once('finish', lingering);
  }

  private wait(then: () => void): void {
    this.waiting?.unsubscribe();
    this.waiting = this.scheduler.schedule(then, HTTP2_PEER_TIMEOUT);
  }
}
