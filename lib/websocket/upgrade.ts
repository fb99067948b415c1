import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions, WebSocketServer } from 'ws';
import { ClientError } from '../errors.js';
import type { GracefulConnection } from '../shutdown/connection.js';
import { Heartbeat } from './heartbeat.js';
import { remoteOf } from '../node-internals.js';
import { refuseUpgrade } from '../protocols/refuse-upgrade.js';
import {
  WebSocketConnection,
  type WebSocketConnectionOptions,
  type WebSocketHandler,
} from './connection.js';

/**
 * WebSocket endpoints by path (the request's pathname, query left out): more than one
 * endpoint on one server. An upgrade to any other path is answered 404.
 *
 * @example
 * ```ts
 * const routes: WebSocketRoutes = { '/echo': (m$) => m$, '/time': () => interval(1000).pipe(map(String)) };
 * ```
 */
export type WebSocketRoutes = Readonly<Record<`/${string}`, WebSocketHandler>>;

/**
 * What the WebSocket side of a server needs.
 */
export interface WebSocketUpgradeOptions extends WebSocketConnectionOptions {
  /** One handler for every path, or one per path. */
  readonly routes: WebSocketHandler | WebSocketRoutes;
  /** Largest message accepted, in bytes; a larger one closes with 1009. */
  readonly maxPayload: number;
  /** Milliseconds between pings (see {@link Heartbeat}); 0 turns it off. */
  readonly heartbeat: number;
  /** Milliseconds ws waits for the peer's answer to a close frame before destroying. */
  readonly closeTimeout: number;
}

/**
 * Takes over upgrade requests: the handshake through `ws`, then a
 * {@link WebSocketConnection} per socket.
 */
export interface WebSocketUpgrade {
  /**
   * Completes or refuses the handshake. Returns the connection the socket has become, or
   * nothing when the request was answered with an HTTP error (bad handshake, unknown path).
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): GracefulConnection | undefined;
  /** Stops the heartbeat and lets go of `ws`'s server; open WebSockets are not touched. */
  close(): void;
}

/**
 * The WebSocket side of a server: `ws`'s `WebSocketServer` in `noServer` mode, fed the
 * upgrade requests of the HTTP/1.1 protocol.
 */
export function websocketUpgrade(options: WebSocketUpgradeOptions): WebSocketUpgrade {
  // closeTimeout came with ws 8.19 and is not in @types/ws yet.
  const wsOptions: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    closeTimeout: options.closeTimeout,
  };
  // ws is loaded when a server serves WebSockets, not when rxserve is imported.
  const { createRequire } = process.getBuiltinModule('node:module');
  const { WebSocketServer: Server } = createRequire(import.meta.url)('ws') as typeof import('ws');
  const wss: WebSocketServer = new Server(wsOptions);
  const heartbeat = options.heartbeat > 0 ? new Heartbeat(options.heartbeat) : undefined;
  // With a 'wsClientError' listener, ws leaves a bad handshake to us: reported, then answered.
  const onClientError = (error: Error, socket: Duplex, req: IncomingMessage): void => {
    const url = req.url ?? '';
    options.report({
      type: 'error',
      error: new ClientError(error),
      request: { method: req.method ?? '', url },
      remote: remoteOf(req.socket),
    });
    refuseUpgrade(socket, req.method === 'GET' ? 400 : 405, `${error.message}\n`);
  };
  wss.on('wsClientError', onClientError);
  return {
    upgrade(req, socket, head) {
      const handler = route(options.routes, req.url ?? '/');
      if (!handler) {
        refuseUpgrade(socket, 404, 'No WebSocket endpoint at this path\n');
        return undefined;
      }
      let connection: WebSocketConnection | undefined;
      // Synchronous here: without verifyClient, ws calls back before handleUpgrade returns.
      wss.handleUpgrade(req, socket, head, (ws) => {
        connection = new WebSocketConnection(ws, req, handler, options);
        if (heartbeat) ws.once('close', heartbeat.watch(ws));
      });
      return connection;
    },
    close() {
      heartbeat?.stop();
      wss.off('wsClientError', onClientError);
    },
  };
}

function route(routes: WebSocketHandler | WebSocketRoutes, url: string): WebSocketHandler | undefined {
  if (typeof routes === 'function') return routes;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return Object.hasOwn(routes, path) ? routes[path as `/${string}`] : undefined;
}
