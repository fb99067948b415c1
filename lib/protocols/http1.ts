import { type Server as HttpServer, type IncomingMessage, type ServerOptions, type ServerResponse, createServer } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Observable, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { servedWith } from '../handlers/draining.js';
import { ClientError, PEER_GONE_CODES } from '../errors.js';
import { IdleSweep } from './idle-sweep.js';
import { InFlight } from './in-flight.js';
import { armPrivateServer, closeQueuedResponse, handSocketTo, remoteOf } from '../node-internals.js';
import type { ErrorEvent } from '../events.js';
import { type ConnectionInfo, type GracefulConnection, SocketConnection } from '../shutdown/connection.js';
import { type OptionCheck, check, integer, resolveOptions } from '../option-checks.js';
import type { Protocol } from './protocol.js';
import { refuseUpgrade } from './refuse-upgrade.js';

/**
 * The limits node's HTTP/1.1 parser and timers enforce on every connection: the `http1`
 * option of `serve()`. rxserve's defaults are its own, the same on every node line.
 *
 * @example
 * ```ts
 * serve({ handler, http1: { headersTimeout: 10_000, requestTimeout: 30_000, maxHeaderSize: 8 * 1024 } });
 * ```
 */
export interface Http1Limits {
  /** Ms a client has to send a request's headers, from its first byte (then 408); default 60 000. */
  readonly headersTimeout?: number;
  /** Ms a client has to send a whole request, headers and body (then 408); default 300 000. */
  readonly requestTimeout?: number;
  /**
   * Ms an idle keep-alive connection is kept; default 65 000: longer than the idle timeout of
   * the proxies and load balancers in front (nginx's and AWS ALB's 60 s), so they close an
   * idle connection first and no request of theirs races our close.
   */
  readonly keepAliveTimeout?: number;
  /** Ms between two checks of `headersTimeout` and `requestTimeout`; default 30 000. */
  readonly connectionsCheckingInterval?: number;
  /** The most bytes of request headers (more answers 431); default node's (16 KiB, `--max-http-header-size`). */
  readonly maxHeaderSize?: number;
}

const HTTP1_LIMITS = {
  headersTimeout: integer(60_000, 0, undefined, ' (ms)'),
  requestTimeout: integer(300_000, 0, undefined, ' (ms)'),
  keepAliveTimeout: integer(65_000, 0, undefined, ' (ms)'),
  connectionsCheckingInterval: integer(30_000, 0, undefined, ' (ms)'),
  maxHeaderSize: integer(undefined, 1, undefined, ' (bytes)'),
} satisfies { [K in keyof Required<Http1Limits>]: OptionCheck<unknown> };

/** The check of `serve()`'s `http1` option. */
export const http1Option: OptionCheck<Http1Limits> = (value, name) => {
  const limits = resolveOptions(HTTP1_LIMITS, value ?? {}, name);
  // node throws at createServer otherwise, which would be later than serve().
  const { headersTimeout, requestTimeout } = limits;
  check(`${name}.headersTimeout`, !headersTimeout || !requestTimeout || headersTimeout <= requestTimeout, `at most \`${name}.requestTimeout\` (${requestTimeout})`, headersTimeout);
  return limits;
};

/**
 * What the HTTP/1.1 protocol needs from the server around it.
 */
export interface Http1Options {
  /** Called for each request, after the connection has taken note of it. */
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly report: (event: ErrorEvent) => void;
  /**
   * Takes over the socket of a request that asks to upgrade (WebSocket) and returns the
   * connection the socket has become, or nothing when it answered the request itself.
   * Without it, node answers such a request as a plain one. An upgrade on a connection
   * that is already draining is answered 503 without asking.
   */
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => GracefulConnection | undefined;
  /** node's timeouts and header limit for this server (see {@link Http1Limits}). */
  readonly limits?: Http1Limits;
  /** Milliseconds an idle connection lingers, answering, once told to shut down; default 0. */
  readonly idleGrace?: number;
  /**
   * Whether clients should reconnect elsewhere now (shutdown was signalled, accepts go on
   * for `drainDelay`): each connection's last response then says `Connection: close`, and
   * an upgrade is refused with 503. Default: never.
   */
  readonly reconnecting?: () => boolean;
  /**
   * Whether a connection accepted now is one to ask (see `reconnecting`); default: always.
   * serve() says no in the second half of `drainDelay`: a peer that opens connections so
   * long after readiness began failing ignores it (open-source nginx has no health checks),
   * asking it would only bring it back on a new connection, and at the accept stop the
   * connections of that churn still in the listen queue are reset by the kernel.
   */
  readonly asksNewConnections?: () => boolean;
  /** What times `idleGrace`; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * An `http.Server` (or `https.Server`) of the app's to serve over (`serve({ server })`):
   * its own settings apply (`limits` do not), rxserve neither arms nor closes it, and a
   * client error is the app's to answer when it listens for `'clientError'`
   * (`appClientError` returns true then). Default: a private server, made with `limits`,
   * that never listens.
   */
  readonly server?: HttpServer;
  readonly appClientError?: (error: NodeJS.ErrnoException, socket: Duplex) => boolean;
  /** What `drainingOf(req)` gives for this protocol's requests: the moment draining begins. */
  readonly draining$?: Observable<void>;
}

/** The HTTP/1.1 side of a server, with a way in for sockets its server accepted itself. */
export interface Http1Protocol extends Protocol {
  /**
   * Watches a socket that is (or is about to be) the server's own, without handing it
   * over: an adopted server's own accept loop, or the TLS socket `https.Server` made.
   */
  watch(socket: Socket): GracefulConnection;
  /**
   * Has node close the server's idle connections, once no response is in flight and no
   * `idleGrace` runs (see IdleSweep): the connections of an adopted server that rxserve
   * does not know (accepted before it was subscribed).
   */
  closeIdle(): void;
}

/** What every connection of one protocol shares (one field a connection, not three). */
interface Http1Shared {
  readonly sweep: IdleSweep;
  readonly idleGrace: number;
  readonly scheduler: SchedulerLike;
  readonly reconnecting: () => boolean;
  readonly asksNewConnections: () => boolean;
  /** Runs `closeIfIdle()` of `connection` once the loop has polled its sockets: every idle close goes through it. */
  readonly closeIfIdleAfterPoll: (connection: Http1Connection) => void;
}

/**
 * How long after its last activity (its accept, or its last response) an idle connection
 * whose client was never told to close is kept at the accept stop, for the request that may
 * be on its way; answered with `Connection: close`. Two kinds: one that has sent nothing
 * yet (its client connected to send a request, which comes within a round trip of the
 * handshake), and one accepted in drainDelay's second half, which is never asked to
 * reconnect (a busy client sends its next request within milliseconds of a response). A
 * listen queue another process shares, or a proxy opening connections as the instance
 * stops, brings both; closing them at once would reset those requests. One quiet for longer
 * (a preconnect, a client gone idle) closes at once.
 */
export const NEXT_REQUEST_WAIT = 500;

/**
 * HTTP/1.1 over node's own parser: each accepted socket is handed to a private
 * `http.Server` that never listens, and comes back as a connection that drains the
 * HTTP/1.1 way:
 *
 * - idle (keep-alive, or nothing sent yet): closed once the loop has polled it (a request
 *   the kernel already holds is read and answered), or after `idleGrace` ms during
 *   which a request that arrives is still answered (with `Connection: close`); one whose
 *   client was never told to close (nothing sent yet, or accepted in drainDelay's second
 *   half), until {@link NEXT_REQUEST_WAIT} ms after its last activity;
 * - in flight: its response gets `Connection: close` if the head is not sent yet, and the
 *   socket closes right after the last response, whether or not the head was sent;
 * - upgraded (given `onUpgrade`): as the connection it became, a WebSocket say.
 */
export function http1Protocol(options: Http1Options): Http1Protocol {
  // The limits must be given here: node reads connectionsCheckingInterval on 'listening'.
  const owned = options.server === undefined;
  const server = options.server ?? createServer(definedOnly(options.limits ?? {}));
  // Sockets accepted and not yet closed. The server is closed once there are none: close()
  // first walks node's list of idle sockets, where a socket destroyed in this turn (10,000
  // after a drain) stays until its 'close' at the end of the turn.
  let open = 0;
  let closing = false;
  // Clears node's connection-checking interval; the server never listened, so the callback
  // only receives ERR_SERVER_NOT_RUNNING, which is expected.
  const closeServer = (): void => void server.close(() => undefined);
  // Shared by every socket (node calls it with the socket as `this`): no closure per connection.
  function onSocketClose(this: Socket): void {
    connectionOf.get(this)?.socketClosed();
    open--;
    if (owned && closing && open === 0) closeServer();
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const connection = connectionOf.get(req.socket);
    if (connection && !connection.track(res)) return;
    options.onRequest(req, res);
  };
  const onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (!PEER_GONE_CODES.has(error.code ?? '')) {
      options.report({ type: 'error', error: new ClientError(error), remote: remoteOf(socket) });
    }
    if (options.appClientError?.(error, socket)) return;
    if (socket.writable && !connectionOf.get(socket)?.isAnswering) socket.write(clientErrorResponse(error));
    socket.destroy();
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const connection = connectionOf.get(socket);
    if (connection?.isDraining || shared.reconnecting()) {
      refuseUpgrade(socket, 503, 'The server is shutting down\n', { 'Retry-After': '1' });
      return;
    }
    const upgraded = options.onUpgrade?.(req, socket, head);
    if (!upgraded || !connection) return;
    // Handed over, the HTTP/1.1 connection is let go: a WebSocket may stay open for days.
    if (connection.upgrade(upgraded)) connectionOf.delete(socket);
  };
  const sweep = new IdleSweep(() => server.closeIdleConnections());
  // An idle connection told to close waits for one poll of the loop, every such connection
  // of a turn together: a request the kernel already holds but node has not read (written a
  // moment ago, or while the loop was busy) is read first and answered with
  // `Connection: close`, where closing the socket with it unread would reset it.
  let unpolled: Http1Connection[] | undefined;
  const closeIfIdleAfterPoll = (connection: Http1Connection): void => {
    if (unpolled) {
      unpolled.push(connection);
      return;
    }
    unpolled = [connection];
    // Two checks away: called from an I/O callback (the poll phase itself), the first
    // setImmediate runs before the loop polls again; the second, after it has.
    setImmediate(() => {
      const batch = unpolled!;
      unpolled = undefined;
      setImmediate(() => {
        for (const each of batch) each.closeIfIdle();
      });
    });
  };
  const shared: Http1Shared = {
    sweep,
    idleGrace: options.idleGrace ?? 0,
    scheduler: options.scheduler ?? asyncScheduler,
    reconnecting: options.reconnecting ?? (() => false),
    asksNewConnections: options.asksNewConnections ?? (() => true),
    closeIfIdleAfterPoll,
  };
  warmUpIdleClose(shared);
  server.on('request', onRequest);
  server.on('clientError', onClientError);
  // Only with a taker: without an 'upgrade' listener node serves the request as a plain one.
  if (options.onUpgrade) server.on('upgrade', onUpgrade);
  if (owned) armPrivateServer(server);
  const watch = (socket: Socket): Http1Connection => {
    open++;
    socket.on('close', onSocketClose);
    const connection = new Http1Connection(socket, shared);
    connectionOf.set(socket, connection);
    if (options.draining$) servedWith(socket, options.draining$);
    return connection;
  };
  return {
    accept(socket) {
      const connection = watch(socket);
      handSocketTo(server, socket);
      return connection;
    },
    watch,
    closeIdle: () => sweep.request(),
    close() {
      server.off('request', onRequest);
      server.off('clientError', onClientError);
      server.off('upgrade', onUpgrade);
      closing = true;
      if (owned && open === 0) closeServer();
    },
  };
}

// node validates every option it is given, undefined ones too.
function definedOnly(limits: Http1Limits): ServerOptions {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

const enum State {
  Open,
  Draining,
  Destroyed,
}

// The connection of each socket, whichever protocol (private server or adopted one) took it
// (a socket is only ever one protocol's): what a request, a client error, an upgrade, a
// socket's or a response's 'close' finds its connection by, without a property added to
// node's objects.
const connectionOf = new WeakMap<Duplex, Http1Connection>();

// One function for every response (node calls it with the response as `this`), not a
// closure and a once() wrapper a request: this is the hot path of every request.
function onResponseClose(this: ServerResponse): void {
  connectionOf.get(this.req.socket)?.responseClosed(this);
}

class Http1Connection extends SocketConnection<Socket> {
  private state = State.Open;
  // No Set, and closed$ made on demand: this object lives as long as an idle keep-alive
  // connection, and each Set table, Observable or closure kept here is paid 10,000 times
  // over (bench/memory-idle.ts).
  private readonly inFlight = new InFlight();
  /** `socket.bytesRead` when the last response closed: more means a request has begun. */
  private bytesReadWhenIdle = 0;
  private grace: Subscription | undefined;
  /** Whether its client is asked to reconnect during drainDelay (accepted before its second half). */
  private readonly asked: boolean;
  /** Its last activity while its client was never told to close; see {@link NEXT_REQUEST_WAIT}. */
  private quietSince: number | undefined;
  /** The response that says `Connection: close`, the last this connection will answer. */
  private closing: ServerResponse | undefined;
  /** What the socket became after an upgrade; it drains and destroys from then on. */
  private upgraded: GracefulConnection | undefined;

  constructor(
    socket: Socket,
    private readonly shared: Http1Shared,
  ) {
    super(socket);
    this.asked = shared.asksNewConnections();
    this.quietSince = shared.scheduler.now();
  }

  /** `http1`, or what the socket was upgraded to (`websocket`). */
  get protocol(): string {
    return this.upgraded?.protocol ?? 'http1';
  }

  /** Whether a response has started on this connection (its head is out). */
  get isAnswering(): boolean {
    return this.inFlight.responses().some((res) => res.headersSent);
  }

  /** Whether this connection was told to shut down (or destroyed). */
  get isDraining(): boolean {
    return this.state !== State.Open;
  }

  /**
   * The socket left HTTP/1.1: from now on `upgraded` drains and destroys it. True when its
   * watcher took `upgraded` in this connection's place, which is then done with.
   */
  upgrade(upgraded: GracefulConnection): boolean {
    if (this.handOver(upgraded)) return true;
    this.upgraded = upgraded;
    return false;
  }

  describe(): ConnectionInfo {
    if (this.upgraded?.describe) return this.upgraded.describe();
    const now = Date.now();
    return {
      protocol: this.protocol,
      remote: remoteOf(this.socket),
      requests: this.inFlight.describe(now),
    };
  }

  /**
   * Takes note of a request's response; false when the request must not be processed: it
   * came after a response that says `Connection: close`, after which RFC 9112 §9.6 lets a
   * server process nothing more on the connection (node's parser would have read it anyway).
   */
  track(res: ServerResponse): boolean {
    if (this.closing?.headersSent) return false;
    if (this.asked) this.quietSince = undefined;
    this.inFlight.add(res, Date.now());
    if (this.state !== State.Open || (this.asked && this.shared.reconnecting())) this.closeAfter(res);
    this.shared.sweep.responseBegan();
    res.on('close', onResponseClose);
    return true;
  }

  /** A response of this connection closed (finished, or abandoned). */
  responseClosed(res: ServerResponse): void {
    if (!this.inFlight.delete(res)) return;
    this.shared.sweep.responseEnded();
    if (this.inFlight.size === 0) {
      this.bytesReadWhenIdle = this.socket.bytesRead;
      if (!this.asked) this.quietSince = this.shared.scheduler.now();
    }
    // A response whose head went out before shutdown could not say `Connection: close`;
    // the connection is closed here instead of waiting for keepAliveTimeout.
    if (this.state === State.Draining && this.inFlight.size === 0) this.socket.destroySoon();
  }

  /** The socket closed: responses still queued behind another are closed with it. */
  socketClosed(): void {
    for (const res of this.inFlight.responses()) closeQueuedResponse(res);
    this.reportClosed();
  }

  gracefulShutdown(): void {
    if (this.state !== State.Open) return;
    this.state = State.Draining;
    if (this.upgraded) {
      this.upgraded.gracefulShutdown();
      return;
    }
    const last = this.inFlight.newest;
    if (last) {
      if (!last.headersSent) this.closeAfter(last);
      return;
    }
    // The keep-alive race: a client may be writing a request onto this idle connection
    // right now; closing it would lose that request (ECONNRESET on a client that does not
    // retry). Lingering lets it arrive and be answered with `Connection: close`.
    const { sweep, scheduler, idleGrace } = this.shared;
    const wait = Math.max(idleGrace, this.quietSince === undefined ? 0 : NEXT_REQUEST_WAIT - (scheduler.now() - this.quietSince));
    if (wait > 0) {
      sweep.graceBegan();
      // Ends once, whichever comes first: the grace's end, the socket's close, destroy().
      const grace = new Subscription(() => sweep.graceEnded());
      grace.add(
        scheduler.schedule(() => {
          grace.unsubscribe();
          this.shared.closeIfIdleAfterPoll(this);
        }, wait),
      );
      this.grace = grace;
      this.socket.once('close', () => grace.unsubscribe());
      return;
    }
    this.shared.closeIfIdleAfterPoll(this);
  }

  destroy(): void {
    if (this.state === State.Destroyed) return;
    this.state = State.Destroyed;
    this.grace?.unsubscribe();
    this.upgraded?.destroy();
    this.socket.destroy();
    this.reportClosed();
  }

  // `Connection: close` on the newest response only: node ends the socket after the
  // response that carries it, and the pipelined requests answered after it would be lost.
  private closeAfter(res: ServerResponse): void {
    const previous = this.closing;
    if (previous && !previous.headersSent) previous.setHeader('connection', 'keep-alive');
    this.closing = res;
    res.setHeader('connection', 'close');
  }

  /** Closes the socket if no request has begun on it (one in flight closes after its response). */
  closeIfIdle(): void {
    if (this.state === State.Destroyed) return;
    // A request that came during the grace is in flight: track() closes after its response.
    if (this.inFlight.size > 0) return;
    // Nothing read since the last response (or ever): no request has begun. Before node 26
    // node's own idle list counts a fresh connection as busy (its headersTimeout runs; a
    // browser's preconnect would hold the drain until the deadline — spec/http1-preconnect
    // .spec.ts, spec/node-internals.spec.ts), so it is closed here; otherwise node's parser
    // knows whether a request is half-received.
    if (this.socket.bytesRead === this.bytesReadWhenIdle) {
      this.socket.destroy();
      this.reportClosed();
    } else this.shared.sweep.request();
  }
}

let idleCloseWarm = false;

/**
 * Closes an idle connection over a socket that never connected, once a process: with
 * `warmUpShutdownPath()`'s run of the coordinator, the idle closes of the first shutdown run
 * code V8 has compiled already (bench/drain-latency.ts `--sizes=10`).
 */
function warmUpIdleClose(shared: Http1Shared): void {
  if (idleCloseWarm) return;
  idleCloseWarm = true;
  const connection = new Http1Connection(new Socket(), shared);
  connection.closeIfIdle();
  connection.socketClosed();
}

/** The check of `serve()`'s `idleGrace` option. */
export const idleGraceOption: OptionCheck<number> = (value, name) => {
  if (value === undefined) return 0;
  check(name, typeof value === 'number' && Number.isFinite(value) && value >= 0, 'a finite number >= 0 (milliseconds)', value);
  return value as number;
};
