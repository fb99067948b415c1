import type { AddressInfo } from 'node:net';
import {
  BehaviorSubject,
  EMPTY,
  Observable,
  filter,
  map,
  mergeMap,
  of,
  take,
} from 'rxjs';
import { autoProtocol } from './auto.js';
import type { ErrorEvent, ServerEvent } from './events.js';
import { GracefulShutdown } from './graceful.js';
import { http1Protocol } from './http1.js';
import { http2Protocol } from './http2.js';
import { type ListenEvent, listen } from './listen.js';
import { type ServeConfig, type ServeOptions, resolveServeOptions } from './options.js';
import { orchestrate } from './orchestrate.js';
import type { Protocol } from './protocol.js';
import type { ServerResponseLike } from './reply.js';
import { type ServerRequest, respond } from './respond.js';
import { loadSecureContext, tlsProtocol } from './tls.js';

/**
 * A server as a cold Observable of its events. Subscribing binds and listens; the first
 * `shutdown$` emission drains gracefully, a later one forces; unsubscribing is a hard stop
 * (listener closed, every connection destroyed at once).
 *
 * ```
 * shutdown$:  ---------s-------------
 * server$:    -l-------d---------(c|)    l = listening, d = shutdown, c = closed
 * ```
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
    const graceful = new GracefulShutdown();
    const draining = new BehaviorSubject(false);
    const draining$ = draining.pipe(
      filter(Boolean),
      take(1),
      map((): void => undefined),
    );
    const report = (event: ErrorEvent): void => subscriber.next(event);
    const protocol = protocolFor(config, {
      onRequest: (req, res) => respond(req, res, { handler: config.handler, draining$, report }),
      report,
    });

    const accepting = listen(config).pipe(
      mergeMap((event: ListenEvent): Observable<ServerEvent> => {
        if (event.type === 'connection') {
          graceful.watch(protocol.accept(event.socket));
          return EMPTY;
        }
        if (event.type === 'listening') return of(listening(event.address, config.tls ? 'https' : 'http'));
        return of({ type: 'error', error: event.error });
      }),
    );

    const lifecycle = orchestrate({
      accepting,
      graceful,
      shutdown$: config.shutdown$,
      deadline: config.deadline,
      scheduler: config.scheduler,
      // Connections have been told (so in-flight heads carry `Connection: close`) before
      // handlers hear of it and hurry to reply.
      onDraining: () => draining.next(true),
    }).subscribe(subscriber);

    return () => {
      lifecycle.unsubscribe();
      graceful.destroy();
      protocol.close();
      draining.complete();
    };
  });
}

function listening(address: AddressInfo, scheme: 'http' | 'https'): ServerEvent {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return { type: 'listening', address, url: `${scheme}://${host}:${address.port}` };
}

/** The one place that maps `protocol` and `tls` to what serves each accepted socket. */
function protocolFor(
  config: ServeConfig,
  hooks: { onRequest: (req: ServerRequest, res: ServerResponseLike) => void; report: (event: ErrorEvent) => void },
): Protocol {
  // First, so a key that does not load throws before anything is set up.
  const secureContext = config.tls && loadSecureContext(config.tls);
  const http1 = (): Protocol => http1Protocol(hooks);
  const http2 = (): Protocol => http2Protocol(hooks);
  if (secureContext) {
    const h2 = config.protocol === 'http1' ? undefined : http2();
    const h1 = config.protocol === 'http2' ? undefined : http1();
    return tlsProtocol({ secureContext, protocols: { h2, 'http/1.1': h1 }, report: hooks.report });
  }
  if (config.protocol === 'auto') return autoProtocol({ http1: http1(), http2: http2() });
  return config.protocol === 'http2' ? http2() : http1();
}
