import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

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
 *
 * @example
 * ```ts
 * if (!QUEUED_RESPONSES_CLOSE_WITH_SOCKET) res.emit('close');
 * ```
 */
export const QUEUED_RESPONSES_CLOSE_WITH_SOCKET = NODE_MAJOR >= 24;

/**
 * Called as the socket of `res` closes: a response node never handed the socket (queued
 * behind another) is closed here where node will not close it itself, so whatever waits
 * for its `'close'` (the handler's unsubscription, `ctx.signal`) still hears it.
 *
 * @example
 * ```ts
 * socket.once('close', () => inFlight.forEach(closeQueuedResponse));
 * ```
 */
export function closeQueuedResponse(res: ServerResponse): void {
  if (QUEUED_RESPONSES_CLOSE_WITH_SOCKET || res.socket !== null) return;
  res.destroy();
  res.emit('close');
}

/**
 * The peer of a connection: its address and port.
 *
 * @example
 * ```ts
 * const remote: Remote = { address: '10.0.0.7', port: 51234 };
 * ```
 */
export interface Remote {
  readonly address: string | undefined;
  readonly port: number | undefined;
}

/**
 * Reads the peer of a socket just accepted, so that {@link remoteOf} still knows it once
 * the socket is closed: node asks the kernel the first time `remoteAddress` is read and
 * keeps the answer (`net.Socket#_getpeername` caches it in `_peername`); a socket closed
 * before anyone asked has forgotten its peer (`{}`).
 *
 * @example
 * ```ts
 * server.on('connection', (socket) => rememberRemote(socket));
 * ```
 */
export function rememberRemote(socket: Socket): void {
  void socket.remoteAddress;
}

/**
 * The peer of `socket`, as {@link rememberRemote} kept it.
 *
 * @example
 * ```ts
 * report({ type: 'error', error, remote: remoteOf(socket) });
 * ```
 */
export function remoteOf(socket: Socket | Duplex | undefined): Remote {
  const { remoteAddress: address, remotePort: port } = (socket ?? {}) as Partial<Socket>;
  return { address, port };
}
