import { type OptionCheck, check, integer, milliseconds, resolveOptions } from '../option-checks.js';
import type { BufferFullPolicy, WebSocketHandler } from './connection.js';
import type { WebSocketRoutes } from './upgrade.js';

/**
 * The `websocket` option of `serve()` in full: the handler (or handlers by path) and how the
 * WebSockets behave. A handler or routes alone stand for `{ handler }`.
 *
 * @example
 * ```ts
 * serve({ handler, websocket: { handler: chat, shutdownCode: 1012, heartbeat: 30_000 } });
 * ```
 */
export interface WebSocketOptions {
  /** One handler `(messages$, ctx) => output` for every path, or one per path (`{ '/chat': chat }`; any other path: 404). */
  readonly handler: WebSocketHandler | WebSocketRoutes;
  /** The close code every WebSocket gets on graceful shutdown; default 1001 (Going Away). */
  readonly shutdownCode?: number;
  /** The close reason sent with it; default `'server going away'`; at most 123 bytes. */
  readonly shutdownReason?: string;
  /** Largest message accepted, in bytes (a larger one closes with 1009); default 1 MiB. */
  readonly maxPayload?: number;
  /** Milliseconds between pings; a peer that misses a pong is terminated; default 0 (off). */
  readonly heartbeat?: number;
  /** Bytes a WebSocket may hold unsent (`ws.bufferedAmount`) before `onBufferFull`; default 1 MiB. */
  readonly maxBufferedAmount?: number;
  /** What a send beyond `maxBufferedAmount` does: `'close'` with 1008 (default) or `'drop'` the message. */
  readonly onBufferFull?: BufferFullPolicy;
}

/** {@link WebSocketOptions} checked, every default filled in, handlers under `routes`. */
export interface WebSocketConfig {
  readonly routes: WebSocketHandler | WebSocketRoutes;
  readonly shutdownCode: number;
  readonly shutdownReason: string;
  readonly maxPayload: number;
  readonly heartbeat: number;
  readonly maxBufferedAmount: number;
  readonly onBufferFull: BufferFullPolicy;
}

const MiB = 1024 * 1024;
const HANDLERS = "a function `(messages$, ctx) => output`, an object of them by path (`{ '/chat': handler }`) or `{ handler, ...options }`";

const WEBSOCKET_OPTIONS = {
  handler: (value: unknown, name: string): WebSocketHandler | WebSocketRoutes => {
    check(name, typeof value === 'function' || isRoutes(value), HANDLERS.replace(' or `{ handler, ...options }`', ''), value);
    return value as WebSocketHandler | WebSocketRoutes;
  },
  shutdownCode: (value: unknown, name: string): number => {
    if (value === undefined) return 1001;
    check(name, isSendableCloseCode(value), 'a close code from 1000 to 1014 (not 1004 to 1006) or from 3000 to 4999', value);
    return value as number;
  },
  shutdownReason: (value: unknown, name: string): string => {
    if (value === undefined) return 'server going away';
    check(name, typeof value === 'string' && Buffer.byteLength(value) <= 123, 'a string of at most 123 bytes in UTF-8', value);
    return value as string;
  },
  maxPayload: integer(MiB, 1, undefined, ' (bytes)'),
  heartbeat: milliseconds(0),
  maxBufferedAmount: integer(MiB, 0, undefined, ' (bytes)'),
  onBufferFull: (value: unknown, name: string): BufferFullPolicy => {
    if (value === undefined) return 'close';
    check(name, value === 'close' || value === 'drop', "`'close'` or `'drop'`", value);
    return value as BufferFullPolicy;
  },
} satisfies { [K in keyof Required<WebSocketOptions>]: OptionCheck<unknown> };

/** The check of `serve()`'s `websocket` option. */
export const websocketOption: OptionCheck<WebSocketConfig | undefined> = (value, name) => {
  if (value === undefined) return undefined;
  // Routes are keyed by path; the settings object by name.
  const isOptions = typeof value === 'object' && value !== null && Object.keys(value).some((key) => !key.startsWith('/'));
  check(name, typeof value === 'function' || isRoutes(value) || isOptions, HANDLERS, value);
  const { handler, ...settings } = resolveOptions(WEBSOCKET_OPTIONS, isOptions ? value : { handler: value }, name);
  return { routes: handler, ...settings };
};

function isRoutes(value: unknown): value is WebSocketRoutes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([path, handler]) => path.startsWith('/') && typeof handler === 'function');
}

// As RFC 6455 section 7.4 and ws allow an endpoint to send.
function isSendableCloseCode(code: unknown): boolean {
  if (!Number.isInteger(code)) return false;
  const n = code as number;
  return (n >= 1000 && n <= 1014 && (n < 1004 || n > 1006)) || (n >= 3000 && n <= 4999);
}
