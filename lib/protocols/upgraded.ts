import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { remoteOf } from '../node-internals.js';
import { type ConnectionInfo, SocketConnection } from '../shutdown/connection.js';

/** How a WebSocket of one of `websocketServers` is told to go away. */
export interface GoingAway {
  readonly code: number;
  readonly reason: string;
}

/**
 * A socket an adopted server's own `'upgrade'` listeners took over. When it is the socket
 * of a WebSocket of one of `websocketServers` (`client()` finds it), shutting down sends
 * that WebSocket's close frame, and the connection closes with the closing handshake;
 * any other upgraded socket speaks a protocol rxserve does not know, so it is left alone
 * until it closes or the deadline destroys it. Either way it is counted and described.
 */
export class UpgradedConnection extends SocketConnection<Socket> {
  private readonly since = Date.now();

  constructor(
    socket: Socket,
    private readonly request: IncomingMessage,
    private readonly client: () => WebSocket | undefined,
    private readonly goingAway: GoingAway,
  ) {
    super(socket);
    // The HTTP/1.1 connection it came from hands it its place, and with it the telling.
    socket.once('close', () => this.reportClosed());
  }

  /** `websocket` for a WebSocket of `websocketServers`, else `upgraded`. */
  get protocol(): string {
    return this.client() ? 'websocket' : 'upgraded';
  }

  /** Its upgrade request, and how long ago it came. */
  describe(): ConnectionInfo {
    return {
      protocol: this.protocol,
      remote: remoteOf(this.socket),
      requests: [{ method: this.request.method ?? 'GET', url: this.request.url ?? '', age: Date.now() - this.since }],
    };
  }

  /** The close frame to a WebSocket of `websocketServers`; nothing for a protocol rxserve does not speak. */
  gracefulShutdown(): void {
    const ws = this.client();
    if (ws && ws.readyState === ws.OPEN) ws.close(this.goingAway.code, this.goingAway.reason);
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.socket.destroy();
    this.reportClosed();
  }
}
