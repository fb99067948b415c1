import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EMPTY, Observable, mergeMap, of, tap } from 'rxjs';
import { autoProtocol } from './protocols/auto.js';
import type { ErrorEvent, ServerEvent } from './events.js';
import { GracefulShutdown } from './shutdown/graceful-shutdown.js';
import { type AdoptableServer, type AdoptedAcceptEvent, adoptServer } from './accept/adopt.js';
import { healthCheck } from './handlers/health.js';
import { type Http1Options, http1Protocol } from './protocols/http1.js';
import { http2Protocol } from './protocols/http2.js';
import { type ListenEvent, listen } from './accept/listen.js';
import { callListener } from './handlers/listener.js';
import { type ServeConfig, type ServeOptions, resolveServeOptions } from './options.js';
import { lifecycle } from './shutdown/lifecycle.js';
import { warmUpShutdownPath } from './shutdown/warm-up.js';
import type { Protocol } from './protocols/protocol.js';
import type { ServerRequest, ServerResponseLike } from './handlers/reply.js';
import { respond } from './handlers/respond.js';
import { loadSecureContext, tlsProtocol } from './protocols/tls.js';
import { websocketUpgrade } from './websocket/upgrade.js';

/**
 * A server as a cold Observable of its events. Subscribing binds and listens; the first
 * `shutdown$` emission drains gracefully, a later one forces; unsubscribing is a hard stop
 * (listener closed, every connection destroyed at once).
 *
 * ```
 * shutdown$:  ---------s----------------
 * server$:    -l-------(ts)---r--r--(c|)    l = listening, t = stopping (the signal),
 *                                           s = shutdown (the accept stop),
 *                                           r = remaining, c = closed
 * ```
 *
 * With a `drainDelay`, `shutdown` (the accept stop) comes that long after `stopping`; the
 * `deadline` counts from the signal either way. The phases are {@link ServerEvent}s.
 *
 * Options are checked here, synchronously: a wrong one throws an `InvalidOptionError`
 * naming it. server$ errors only when it cannot serve at all (a `ListenError`); handler and
 * client failures are `error` events.
 *
 * @example
 * ```ts
 * serve({
 *   port: 3000,
 *   handler: () => ({ body: 'Hello World!' }),
 *   shutdown$: fromSignals('SIGINT', 'SIGTERM'),
 * }).subscribe((event) => console.log(event.type));
 * ```
 */
export function serve(options: ServeOptions): Observable<ServerEvent> {
  const config = resolveServeOptions(options);
  // A `tls` key that does not load throws a TlsError from protocolFor(): a throw in here is
  // what server$ errors with, before anything listens.
  return new Observable<ServerEvent>((subscriber) => {
    warmUpShutdownPath();
    const graceful = new GracefulShutdown();
    let ready = true;
    let signalledAt = 0;
    const answerHealth = config.health && healthCheck(config.health, () => ready);
    const report = (event: ErrorEvent): void => subscriber.next(event);
    const context: ServingContext = {
      config,
      graceful,
      report,
      answerHealth: answerHealth || undefined,
      // While readiness fails and the server still serves (drainDelay), each HTTP/1.1
      // connection asks its client to reconnect: by the accept stop, busy keep-alive clients
      // have moved elsewhere and no request of theirs races the closing of an idle connection.
      reconnecting: () => !ready,
      // ...except one accepted in drainDelay's second half: its peer ignores readiness.
      asksNewConnections: () => ready || config.scheduler.now() - signalledAt < config.drainDelay / 2,
      listensItself: options.port !== undefined || options.path !== undefined || options.fd !== undefined,
    };
    const serving = config.server ? adopted(config.server, context) : owned(context);
    const running = lifecycle({
      accepts$: serving.accepts$,
      graceful,
      shutdown$: config.shutdown$,
      deadline: config.deadline,
      drainDelay: config.drainDelay,
      scheduler: config.scheduler,
    })
      .pipe(
        tap((event) => {
          if (event.type === 'stopping') {
            ready = false;
            signalledAt = config.scheduler.now();
          }
          else if (event.type === 'shutdown') serving.acceptStopped?.();
        }),
      )
      .subscribe(subscriber);

    return () => {
      running.unsubscribe();
      graceful.destroy();
      serving.close();
    };
  });
}

/** What serving needs of serve(), whichever server accepts the connections. */
interface ServingContext {
  readonly config: ServeConfig;
  readonly graceful: GracefulShutdown;
  readonly report: (event: ErrorEvent) => void;
  readonly answerHealth: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  readonly reconnecting: () => boolean;
  readonly asksNewConnections: () => boolean;
  readonly listensItself: boolean;
}

/** Where connections come from and what is left to do at the accept stop and at the end. */
interface Serving {
  /** The accept loop's events as server events; each connection is watched as it comes. */
  readonly accepts$: Observable<ServerEvent>;
  acceptStopped?(): void;
  close(): void;
}

// rxserve's own server: it listens, and its handler (or listener) answers.
function owned({ config, graceful, report, answerHealth, reconnecting, asksNewConnections }: ServingContext): Serving {
  const websockets = config.websocket
    ? websocketUpgrade({
        ...config.websocket,
        // Past our deadline, so during a drain an unanswered close is ours to force (and
        // count as forced), never ws's to time out quietly; outside a drain it bounds the wait.
        closeTimeout: config.deadline + 1000,
        report,
      })
    : undefined;
  const draining$ = graceful.draining$;
  const { handler, listener } = config;
  const respondOptions = { handler: handler!, draining$, report };
  const onRequest = (req: ServerRequest, res: ServerResponseLike): void => {
    if (answerHealth && answerHealth(req as IncomingMessage, res as ServerResponse)) return;
    if (listener) callListener(req as IncomingMessage, res as ServerResponse, { listener, report });
    else respond(req, res, respondOptions);
  };
  const protocol = protocolFor(config, {
    onRequest,
    report,
    limits: config.http1,
    onUpgrade: websockets?.upgrade,
    idleGrace: config.idleGrace,
    scheduler: config.scheduler,
    reconnecting,
    asksNewConnections,
    draining$,
  });
  return {
    accepts$: listen(config).pipe(
      mergeMap((event: ListenEvent): Observable<ServerEvent> => {
        if (event.type === 'connection') {
          graceful.watch(protocol.accept(event.socket));
          return EMPTY;
        }
        if (event.type === 'listening') return of(listening(event, config.tls ? 'https' : 'http'));
        return of({ type: 'error', error: event.error });
      }),
    ),
    close() {
      protocol.close();
      websockets?.close();
    },
  };
}

// A server the app already has: its own listeners answer; rxserve gives it the shutdown.
function adopted(server: AdoptableServer, { config, graceful, report, answerHealth, reconnecting, asksNewConnections, listensItself }: ServingContext): Serving {
  const adoption = adoptServer({
    server,
    report,
    answerHealth,
    reconnecting,
    asksNewConnections,
    isDraining: () => graceful.isDraining,
    idleGrace: config.idleGrace,
    handshakeTimeout: config.handshakeTimeout,
    scheduler: config.scheduler,
    websocketServers: config.websocketServers,
    goingAway: { code: 1001, reason: 'server going away' },
    draining$: graceful.draining$,
  });
  const scheme = server instanceof process.getBuiltinModule('node:tls').Server ? 'https' : 'http';
  const accepts$: Observable<ServerEvent> = listensItself
    ? listen(config).pipe(
        mergeMap((event: ListenEvent): Observable<ServerEvent> => {
          if (event.type === 'connection') {
            graceful.watch(adoption.protocol.accept(event.socket));
            return EMPTY;
          }
          if (event.type === 'listening') {
            adoption.listening();
            return of(listening(event, scheme));
          }
          return of({ type: 'error', error: event.error });
        }),
      )
    : adoption.accepts$.pipe(
        mergeMap((event: AdoptedAcceptEvent): Observable<ServerEvent> => {
          if (event.type === 'watched') {
            graceful.watch(event.connection);
            return EMPTY;
          }
          if (event.type === 'listening') return of(listening(event, scheme));
          return of({ type: 'error', error: event.error });
        }),
      );
  return { accepts$, acceptStopped: () => adoption.acceptStopped(), close: () => adoption.close() };
}

function listening(where: { address: AddressInfo; path?: string | undefined; fd?: number | undefined }, scheme: 'http' | 'https'): ServerEvent {
  const { address, path, fd } = where;
  const inherited = fd === undefined ? {} : { fd };
  if (path !== undefined) return { type: 'listening', address, path, ...inherited, url: `${scheme}+unix://${encodeURIComponent(path)}` };
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return { type: 'listening', address, ...inherited, url: `${scheme}://${host}:${address.port}` };
}

/** The one place that maps `protocol` and `tls` to what serves each accepted socket. */
function protocolFor(
  config: ServeConfig,
  hooks: Http1Options & { readonly onRequest: (req: ServerRequest, res: ServerResponseLike) => void },
): Protocol {
  // First, so a key that does not load throws before anything is set up.
  const secureContext = config.tls && loadSecureContext(config.tls);
  const deciding = { report: hooks.report, handshakeTimeout: config.handshakeTimeout, scheduler: config.scheduler };
  const http1 = (): Protocol => http1Protocol(hooks);
  const http2 = (): Protocol => http2Protocol({ onRequest: hooks.onRequest, ...deciding });
  if (secureContext) {
    const h2 = config.protocol === 'http1' ? undefined : http2();
    const h1 = config.protocol === 'http2' ? undefined : http1();
    return tlsProtocol({ secureContext, protocols: { h2, 'http/1.1': h1 }, ...deciding });
  }
  if (config.protocol === 'auto') return autoProtocol({ http1: http1(), http2: http2(), ...deciding });
  return config.protocol === 'http2' ? http2() : http1();
}
