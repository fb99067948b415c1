import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Observable, type SchedulerLike } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';
import { AcceptError, ClientError, ListenError, PEER_GONE_CODES } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { armPrivateServer, handSocketTo, rememberRemote, remoteOf, stopAccepting } from '../node-internals.js';
import { type OptionCheck, check } from '../option-checks.js';
import { handoff, handshakeTimeoutOf } from '../protocols/handoff.js';
import { type Http1Protocol, http1Protocol } from '../protocols/http1.js';
import { type Http2Protocol, http2Protocol } from '../protocols/http2.js';
import type { Protocol } from '../protocols/protocol.js';
import { refuseUpgrade } from '../protocols/refuse-upgrade.js';
import { type GoingAway, UpgradedConnection } from '../protocols/upgraded.js';
import type { GracefulConnection } from '../shutdown/connection.js';
import { whereListening } from './listen.js';

/**
 * A server an app already has, for `serve({ server })`: what Fastify, NestJS, Socket.IO,
 * Apollo or a Next.js custom server build, with their own `'request'` and `'upgrade'`
 * listeners.
 *
 * @example
 * ```ts
 * const server: AdoptableServer = http.createServer(app);
 * ```
 */
export type AdoptableServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

/** What kind of server it is, and so how its sockets become connections. */
type Kind = 'http1' | 'https' | 'h2c' | 'h2';

/** What {@link adoptServer} needs from `serve()`. */
export interface AdoptOptions {
  readonly server: AdoptableServer;
  readonly report: (event: ErrorEvent) => void;
  /** Answers a health request (true) before the server's own listeners see it. */
  readonly answerHealth?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Whether clients are asked to reconnect (the signal came; `drainDelay` runs). */
  readonly reconnecting: () => boolean;
  /** Whether a connection accepted now is asked too (see `http1Protocol`'s option). */
  readonly asksNewConnections: () => boolean;
  /** Whether draining has begun (an upgrade is then refused with 503). */
  readonly isDraining: () => boolean;
  readonly idleGrace: number;
  readonly handshakeTimeout: number;
  readonly scheduler: SchedulerLike;
  readonly websocketServers: readonly WebSocketServer[];
  readonly goingAway: GoingAway;
  readonly draining$: Observable<void>;
}

/** What the accept loop of a server that listens by itself tells. */
export type AdoptedAcceptEvent =
  | { readonly type: 'listening'; readonly address: AddressInfo; readonly path?: string }
  | { readonly type: 'watched'; readonly connection: GracefulConnection }
  | { readonly type: 'error'; readonly error: AcceptError };

/** A server adopted by `serve()`. */
export interface Adopted {
  /** Hands a socket rxserve's own accept loop took (`port` given) to the server. */
  readonly protocol: Protocol;
  /**
   * rxserve's own socket listens for the server (`port` given): node arms an http.Server's
   * request timeouts and its list of connections on `'listening'`, which a server that
   * does not listen itself never emits.
   */
  listening(): void;
  /**
   * The server's own accept loop (no `port`): `listening` at once if it listens, else when
   * it does; then each socket it accepts. Unsubscribing stops its accepts, nothing more
   * (not node's `server.close()`: on an http.Server that also closes idle connections, even
   * one flushing a response, and from node 24 on an HTTP/2 server it sends every session
   * its final GOAWAY at once).
   */
  readonly accepts$: Observable<AdoptedAcceptEvent>;
  /**
   * At the accept stop: what the server accepted before rxserve watched it is closed as
   * node can tell: its idle HTTP/1.1 connections, and the WebSockets of `websocketServers`.
   */
  acceptStopped(): void;
  /** Destroys what the server still holds that rxserve does not know, and gives the server its own listeners back. */
  close(): void;
}

/**
 * Takes over the shutdown of an app's server: rxserve watches every connection it serves
 * (each HTTP/1.1 request tracked, each HTTP/2 session drained, each upgraded socket
 * counted), answers health requests and refuses upgrades while stopping, before the app's
 * own `'request'` and `'upgrade'` listeners, which it moves behind its own and gives back
 * when done.
 */
export function adoptServer(options: AdoptOptions): Adopted {
  const { server, report } = options;
  const kind = kindOf(server);
  // The app's listeners come off first; rxserve's own go on; then the app's later ones are
  // taken off as they come.
  const request = takeListeners(server, 'request');
  const upgrade = takeListeners(server, 'upgrade');
  const clientError = takeListeners(server, 'clientError');
  const clients = new WeakMap<Duplex, WebSocket>();
  const onWsConnection = (ws: WebSocket, req: IncomingMessage): void => void clients.set(req.socket, ws);
  for (const wss of options.websocketServers) wss.on('connection', onWsConnection);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (options.answerHealth?.(req, res)) return;
    request.call(req, res);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): GracefulConnection | undefined => {
    if (upgrade.count() === 0) {
      // As node does for a server without 'upgrade' listeners (it would answer it as a plain request).
      refuseUpgrade(socket, 426, 'This server does not upgrade connections\n');
      return undefined;
    }
    upgrade.call(req, socket, head);
    return new UpgradedConnection(socket as Socket, req, () => clients.get(socket), options.goingAway);
  };
  const appClientError = (error: NodeJS.ErrnoException, socket: Duplex): boolean => {
    if (clientError.count() === 0) return false;
    clientError.call(error, socket);
    return true;
  };
  const http1: Http1Protocol | undefined =
    kind === 'http1' || kind === 'https'
      ? http1Protocol({
          server: server as HttpServer,
          onRequest,
          report,
          onUpgrade,
          appClientError,
          idleGrace: options.idleGrace,
          scheduler: options.scheduler,
          reconnecting: options.reconnecting,
          asksNewConnections: options.asksNewConnections,
          draining$: options.draining$,
        })
      : undefined;
  // HTTP/2 apps on the core API ('stream') get no compatibility 'request' listener from us:
  // node would then answer every stream twice.
  const h2CompatApp = request.count() > 0;
  const http2: Http2Protocol | undefined =
    kind === 'h2c' || kind === 'h2'
      ? http2Protocol({
          server: server as Http2Server,
          ...(h2CompatApp ? { onRequest: onRequest as never } : {}),
          report,
          handshakeTimeout: options.handshakeTimeout,
          scheduler: options.scheduler,
          draining$: options.draining$,
        })
      : undefined;
  for (const taken of [request, upgrade, clientError]) taken.follow();

  // The session node makes for each socket, found by the socket's peer: a session's
  // `socket` is a proxy, not the socket itself.
  const sessions = new Map<string, ServerHttp2Session>();
  const onSession = (session: ServerHttp2Session): void => void sessions.set(peerOf(session.socket), session);
  // The TLS socket node makes of each accepted socket, found the same way.
  const secured = new Map<string, (secure: TLSSocket) => void>();
  const onSecureConnection = (secure: TLSSocket): void => secured.get(peerOf(secure))?.(secure);
  const onTlsClientError = (error: NodeJS.ErrnoException, secure: TLSSocket): void => {
    if (!PEER_GONE_CODES.has(error.code ?? '')) report({ type: 'error', error: new ClientError(error), remote: remoteOf(secure) });
  };
  if (http2) server.on('session', onSession);
  if (kind === 'https' || kind === 'h2') {
    server.on('secureConnection', onSecureConnection);
    server.on('tlsClientError', onTlsClientError);
  }

  /** The connection a socket the server accepts (or is handed) becomes. */
  const connectionOf = (socket: Socket): GracefulConnection => {
    rememberRemote(socket);
    if (kind === 'http1') return http1!.watch(socket);
    const peer = peerOf(socket);
    const decided$ = new Observable<GracefulConnection>((subscriber) => {
      const decide = (transport: Socket): void => {
        secured.delete(peer);
        if (kind === 'https') subscriber.next(http1!.watch(transport));
        else {
          const session = sessions.get(peer);
          sessions.delete(peer);
          subscriber.next(http2!.watch(transport, session!));
        }
        subscriber.complete();
      };
      if (kind === 'h2c') {
        // node makes the session in its own 'connection' listener, right after ours.
        queueMicrotask(() => (sessions.has(peer) ? decide(socket) : subscriber.complete()));
      } else secured.set(peer, (secure) => decide(secure));
      const onClose = (): void => subscriber.complete();
      socket.once('close', onClose);
      return () => {
        secured.delete(peer);
        sessions.delete(peer);
        socket.off('close', onClose);
      };
    });
    const label = kind === 'h2c' ? 'http2' : 'tls';
    return handoff(socket, decided$, label, handshakeTimeoutOf(socket, options, 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake not done'));
  };

  return {
    protocol: {
      accept(socket) {
        const connection = connectionOf(socket);
        handSocketTo(server, socket);
        return connection;
      },
      close: () => undefined,
    },
    listening() {
      if (kind === 'http1' || kind === 'https') armPrivateServer(server as HttpServer);
    },
    accepts$: ownAccepts(server, connectionOf),
    acceptStopped() {
      http1?.closeIdle();
      for (const wss of options.websocketServers) {
        for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.close(options.goingAway.code, options.goingAway.reason);
      }
    },
    close() {
      if (http1) (server as HttpServer).closeAllConnections();
      http1?.close();
      http2?.close();
      server.off('session', onSession);
      server.off('secureConnection', onSecureConnection);
      server.off('tlsClientError', onTlsClientError);
      for (const wss of options.websocketServers) wss.off('connection', onWsConnection);
      request.release();
      upgrade.release();
      clientError.release();
    },
  };
}

// The accept loop of a server that listens by itself: its sockets, as rxserve's own listen()
// would tell them.
function ownAccepts(server: AdoptableServer, connectionOf: (socket: Socket) => GracefulConnection): Observable<AdoptedAcceptEvent> {
  return new Observable<AdoptedAcceptEvent>((subscriber) => {
    const onListening = (): void => subscriber.next({ type: 'listening', ...whereListening(server.address()) });
    // Before node's own listener: the connection is watched before anything is read from it.
    const onConnection = (socket: Socket): void => subscriber.next({ type: 'watched', connection: connectionOf(socket) });
    const onError = (error: NodeJS.ErrnoException): void => {
      if (server.listening) subscriber.next({ type: 'error', error: new AcceptError(error) });
      else subscriber.error(new ListenError('the adopted server', error));
    };
    server.prependListener('connection', onConnection);
    server.on('error', onError);
    if (server.listening) onListening();
    else server.once('listening', onListening);
    return () => {
      server.off('listening', onListening);
      server.off('connection', onConnection);
      server.off('error', onError);
      // Stops accepting, and nothing else: see Adopted.accepts$.
      stopAccepting(server);
    };
  });
}

/** The app's listeners of one event, moved behind rxserve's own, given back by `release()`. */
interface TakenListeners {
  /** Calls them, in the order the app added them, with an event's (up to three) arguments. */
  call(a?: unknown, b?: unknown, c?: unknown): void;
  count(): number;
  /** From now on, a listener the app adds is taken too (rxserve's own are on by now). */
  follow(): void;
  release(): void;
}

// Takes the app's listeners of `event` off the server, so that rxserve's own listener
// decides whether they see an event.
function takeListeners(server: AdoptableServer, event: string): TakenListeners {
  const listeners = server.listeners(event) as Array<(...args: unknown[]) => void>;
  server.removeAllListeners(event);
  const onNewListener = (name: string | symbol, listener: (...args: unknown[]) => void): void => {
    if (name !== event) return;
    listeners.push(listener);
    // node adds it right after 'newListener' returns: taken off once it has.
    queueMicrotask(() => server.off(event, listener));
  };
  return {
    call: (a, b, c) => {
      // Each listener of the moment (a listener may remove itself); the request's hot path.
      const now = listeners.length === 1 ? listeners : [...listeners];
      for (let i = 0; i < now.length; i++) now[i]!.call(server, a, b, c);
    },
    count: () => listeners.length,
    follow: () => void server.on('newListener', onNewListener),
    release: () => {
      server.off('newListener', onNewListener);
      for (const listener of listeners) server.on(event, listener);
    },
  };
}

function kindOf(server: AdoptableServer): Kind {
  // node:tls only when the server may be one of its: loaded once it is given.
  const secure = server instanceof process.getBuiltinModule('node:tls').Server;
  if ('updateSettings' in server) return secure ? 'h2' : 'h2c';
  return secure ? 'https' : 'http1';
}

function peerOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** The check of `serve()`'s `server` option: a node HTTP or HTTP/2 server, cleartext or TLS. */
export const serverOption: OptionCheck<AdoptableServer | undefined> = (value, name) => {
  if (value === undefined) return undefined;
  check(
    name,
    value instanceof NetServer && typeof (value as { listeners?: unknown }).listeners === 'function' && isHttpServer(value),
    'a node `http.Server`, `https.Server`, `http2.Http2Server` or `http2.Http2SecureServer`',
    value,
  );
  return value as AdoptableServer;
};

function isHttpServer(value: NetServer): boolean {
  return 'closeIdleConnections' in value || 'updateSettings' in value;
}

/** The check of `serve()`'s `websocketServers` option: ws servers that keep their clients. */
export const websocketServersOption: OptionCheck<readonly WebSocketServer[]> = (value, name) => {
  if (value === undefined) return [];
  check(name, Array.isArray(value), 'an array of ws `WebSocketServer`s', value);
  (value as unknown[]).forEach((entry, index) => {
    const wss = entry as Partial<WebSocketServer>;
    check(
      `${name}[${index}]`,
      typeof entry === 'object' && entry !== null && typeof wss.handleUpgrade === 'function' && typeof wss.on === 'function',
      'a ws `WebSocketServer`',
      entry,
    );
    check(
      `${name}[${index}]`,
      wss.clients instanceof Set,
      "a ws `WebSocketServer` that keeps its clients (`clientTracking: true`, ws's default), so they can be told to go away; Socket.IO's engine keeps none: call `io.close()` at the `shutdown` event instead",
      entry,
    );
  });
  return value as readonly WebSocketServer[];
};
