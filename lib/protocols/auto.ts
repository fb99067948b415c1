import type { Socket } from 'node:net';
import { Observable, type SchedulerLike, map } from 'rxjs';
import type { ErrorEvent } from '../events.js';
import { handoff, handshakeTimeoutOf } from './handoff.js';
import type { Protocol } from './protocol.js';

/**
 * The two protocols `autoProtocol` chooses between.
 */
export interface AutoOptions {
  readonly http1: Protocol;
  readonly http2: Protocol;
  /** Milliseconds a connection has to send enough bytes to decide; then it is reported and closed. Default: no limit. */
  readonly handshakeTimeout?: number;
  /** What times `handshakeTimeout`; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Where a connection closed at `handshakeTimeout` is reported; default nowhere. */
  readonly report?: (event: ErrorEvent) => void;
}

/**
 * What an HTTP/2 client with prior knowledge sends first (RFC 9113 §3.4).
 */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Cleartext HTTP/1.1 and HTTP/2 on one port: each connection's first bytes decide. The
 * HTTP/2 connection preface goes to `http2`, anything else to `http1` as soon as it differs
 * from the preface (for an HTTP/1.1 request, at its first or second byte). The bytes read
 * to decide are put back, so the chosen protocol parses them as if it had read them. A
 * connection still undecided after `handshakeTimeout` is closed and reported
 * (`ERR_HTTP_REQUEST_TIMEOUT`, node's code when an HTTP/1.1 request head does not come).
 *
 * ```
 * socket:   P-R-I- -*-...-\r\n\r\n      → http2
 * socket:   G-E-T-...                  → http1 after `G`
 * ```
 */
export function autoProtocol(options: AutoOptions): Protocol {
  return {
    accept(socket) {
      return handoff(
        socket,
        sniff(socket).pipe(map((isHttp2) => (isHttp2 ? options.http2 : options.http1).accept(socket))),
        'auto',
        handshakeTimeoutOf(socket, options, 'ERR_HTTP_REQUEST_TIMEOUT', 'No HTTP request nor HTTP/2 preface'),
      );
    },
    close() {
      options.http1.close();
      options.http2.close();
    },
  };
}

/**
 * Emits whether `socket` starts with the HTTP/2 preface, once its first bytes tell, with
 * those bytes unshifted back; completes without a verdict when the socket ends first.
 */
function sniff(socket: Socket): Observable<boolean> {
  return new Observable<boolean>((subscriber) => {
    let seen = Buffer.alloc(0);
    const onReadable = (): void => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) {
        seen = Buffer.concat([seen, chunk]);
      }
      const length = Math.min(seen.length, HTTP2_PREFACE.length);
      const isPrefix = seen.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
      if (isPrefix && length < HTTP2_PREFACE.length) return;
      stop();
      socket.unshift(seen);
      subscriber.next(isPrefix);
      subscriber.complete();
    };
    // Until a protocol owns the socket, an error (ECONNRESET) is only a close.
    const onError = (): void => subscriber.complete();
    const onEnd = (): void => subscriber.complete();
    const stop = (): void => {
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    return stop;
  });
}
