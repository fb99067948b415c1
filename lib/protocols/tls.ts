import type { Socket } from 'node:net';
import type { SecureContext, SecureContextOptions, TLSSocket } from 'node:tls';
import { EMPTY, Observable, type SchedulerLike, mergeMap, of } from 'rxjs';
import { ClientError, PEER_GONE_CODES, TlsError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { handoff, handshakeTimeoutOf } from './handoff.js';
import { markHandshakeDone, rememberRemote, remoteOf } from '../node-internals.js';
import type { Protocol } from './protocol.js';
import { type OptionCheck, check } from '../option-checks.js';

/**
 * What TLS serves: a loaded key and certificate, and a protocol for each ALPN name it offers.
 */
export interface TlsProtocolOptions {
  /** From {@link loadSecureContext}. */
  readonly secureContext: SecureContext;
  /** By ALPN name, in the server's order of preference. */
  readonly protocols: { readonly h2?: Protocol | undefined; readonly 'http/1.1'?: Protocol | undefined };
  readonly report: (event: ErrorEvent) => void;
  /** Milliseconds a handshake may take; then the socket is reported and closed. Default: no limit. */
  readonly handshakeTimeout?: number;
  /** What times `handshakeTimeout`; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * TLS in front of HTTP/1.1 and/or HTTP/2: each accepted socket gets a server-side
 * `TLSSocket`, and once the handshake is done the protocol ALPN agreed on serves it. A
 * client that offers no ALPN gets HTTP/1.1 when it is served, and is closed otherwise
 * (RFC 9113 §3.2: h2 over TLS is negotiated with ALPN). A failed handshake is reported as
 * an `error` event and closes only that socket; so does one not done within
 * `handshakeTimeout` (`ERR_TLS_HANDSHAKE_TIMEOUT`, node's own code for it).
 *
 * ```
 * socket:  ─ClientHello─ … handshake … ─(alpn h2)──► protocols.h2.accept(tlsSocket)
 * ```
 */
export function tlsProtocol(options: TlsProtocolOptions): Protocol {
  const { secureContext } = options;
  const { h2, 'http/1.1': http1 } = options.protocols;
  const ALPNProtocols = [...(h2 ? ['h2'] : []), ...(http1 ? ['http/1.1'] : [])];
  return {
    accept(socket) {
      const served$ = handshake(socket, secureContext, ALPNProtocols, options.report).pipe(
        mergeMap((secure) => {
          const protocol = secure.alpnProtocol === 'h2' ? h2 : http1;
          return protocol ? of(protocol.accept(secure)) : EMPTY;
        }),
      );
      return handoff(socket, served$, 'tls', handshakeTimeoutOf(socket, options, 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake not done'));
    },
    close() {
      h2?.close();
      http1?.close();
    },
  };
}

/**
 * Loads the `tls` option's key and certificate, or throws a {@link TlsError} that says why
 * they do not load.
 */
export function loadSecureContext(options: SecureContextOptions): SecureContext {
  try {
    return tls().createSecureContext(options);
  } catch (error) {
    throw new TlsError(error as NodeJS.ErrnoException);
  }
}


/**
 * Emits the `TLSSocket` once its handshake is done; completes without it when the
 * handshake fails (reported) or the socket closes first.
 */
function handshake(
  socket: Socket,
  secureContext: SecureContext,
  ALPNProtocols: string[],
  report: TlsProtocolOptions['report'],
): Observable<TLSSocket> {
  return new Observable<TLSSocket>((subscriber) => {
    const secure = new (tls().TLSSocket)(socket, { isServer: true, secureContext, ALPNProtocols });
    // The protocols report with the TLS socket: it must remember its peer as the socket did.
    rememberRemote(secure);
    let handedOver = false;
    // Stays attached: until the protocol has its own listener an unheard 'error' would throw.
    secure.on('error', (error: NodeJS.ErrnoException) => {
      if (handedOver) return;
      if (!PEER_GONE_CODES.has(error.code ?? '')) {
        report({ type: 'error', error: new ClientError(error), remote: remoteOf(socket) });
      }
      subscriber.complete();
    });
    // 'secure' is what a server-side TLSSocket emits when the handshake is done.
    const onSecure = (): void => {
      markHandshakeDone(secure);
      handedOver = true;
      subscriber.next(secure);
      subscriber.complete();
    };
    const onClose = (): void => subscriber.complete();
    secure.once('secure', onSecure);
    secure.once('close', onClose);
    return () => {
      secure.off('secure', onSecure);
      secure.off('close', onClose);
    };
  });
}

/** The check of `serve()`'s `tls` option: what `tls.createSecureContext()` needs to load. */
export const tlsOption: OptionCheck<SecureContextOptions | undefined> = (value, name) => {
  check(
    name,
    value === undefined || (typeof value === 'object' && value !== null && (hasValue(value, 'key', 'cert') || hasValue(value, 'pfx'))),
    'an object with `key` and `cert` (or `pfx`), as tls.createSecureContext() takes',
    value,
  );
  return value as SecureContextOptions | undefined;
};

function hasValue(object: object, ...names: string[]): boolean {
  return names.every((name) => (object as Record<string, unknown>)[name] != null);
}

// node:tls is loaded when a server speaks TLS, not when rxserve is imported.
function tls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}
