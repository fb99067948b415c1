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
import type { ErrorEvent, ServerEvent } from './events.js';
import { GracefulShutdown } from './graceful.js';
import { http1Protocol } from './http1.js';
import { type ListenEvent, listen } from './listen.js';
import { type ServeOptions, resolveServeOptions } from './options.js';
import { orchestrate } from './orchestrate.js';
import { respond } from './respond.js';
import { websocketUpgrade } from './websocket.js';

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
  return new Observable<ServerEvent>((subscriber) => {
    const graceful = new GracefulShutdown();
    const draining = new BehaviorSubject(false);
    const draining$ = draining.pipe(
      filter(Boolean),
      take(1),
      map((): void => undefined),
    );
    const report = (event: ErrorEvent): void => subscriber.next(event);
    const websockets = config.websocket
      ? websocketUpgrade({
          routes: config.websocket,
          shutdownCode: config.websocketShutdownCode,
          shutdownReason: config.websocketShutdownReason,
          maxPayload: config.websocketMaxPayload,
          heartbeat: config.websocketHeartbeat,
          maxBufferedAmount: config.websocketMaxBufferedAmount,
          onBufferFull: config.websocketOnBufferFull,
          // Past our deadline, so during a drain an unanswered close is ours to force (and
          // count as forced), never ws's to time out quietly; outside a drain it bounds the wait.
          closeTimeout: config.deadline + 1000,
          report,
        })
      : undefined;
    const protocol = http1Protocol({
      onRequest: (req, res) => respond(req, res, { handler: config.handler, draining$, report }),
      report,
      onUpgrade: websockets?.upgrade,
    });

    const accepting = listen(config).pipe(
      mergeMap((event: ListenEvent): Observable<ServerEvent> => {
        if (event.type === 'connection') {
          graceful.watch(protocol.accept(event.socket));
          return EMPTY;
        }
        if (event.type === 'listening') return of(listening(event.address));
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
      websockets?.close();
      draining.complete();
    };
  });
}

function listening(address: AddressInfo): ServerEvent {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return { type: 'listening', address, url: `http://${host}:${address.port}` };
}
