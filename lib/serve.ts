import type { AddressInfo } from 'node:net';
import {
  BehaviorSubject,
  EMPTY,
  Observable,
  concat,
  connect,
  defer,
  filter,
  from,
  map,
  merge,
  mergeMap,
  of,
  take,
  takeUntil,
} from 'rxjs';
import { drain } from './drain.js';
import type { ErrorEvent, ServerEvent } from './events.js';
import { GracefulShutdown } from './graceful.js';
import { http1Protocol } from './http1.js';
import { type ListenEvent, listen } from './listen.js';
import { type ServeOptions, resolveServeOptions } from './options.js';
import { respond } from './respond.js';

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
    const protocol = http1Protocol({
      onRequest: (req, res) => respond(req, res, { handler: config.handler, draining$, report }),
      report,
      idleGrace: config.idleGrace,
      scheduler: config.scheduler,
    });

    const accepting = (signals$: Observable<number>): Observable<ServerEvent> =>
      listen(config).pipe(
        takeUntil(signals$),
        mergeMap((event: ListenEvent): Observable<ServerEvent> => {
          if (event.type === 'connection') {
            graceful.watch(protocol.accept(event.socket));
            return EMPTY;
          }
          if (event.type === 'listening') return of(listening(event.address));
          return of({ type: 'error', error: event.error });
        }),
      );

    const shuttingDown = (signals$: Observable<number>): Observable<ServerEvent> =>
      defer(() =>
        concat(
          of<ServerEvent>({ type: 'shutdown', open: graceful.count }),
          merge(
            drain(graceful, {
              deadline: config.deadline,
              scheduler: config.scheduler,
              force$: signals$.pipe(filter((index) => index > 0)),
            }).pipe(map((result): ServerEvent => ({ type: 'closed', ...result }))),
            // After drain() subscribed: connections have been told (so in-flight heads carry
            // `Connection: close`) before handlers hear of it and hurry to reply.
            defer(() => {
              draining.next(true);
              return EMPTY;
            }),
          ),
        ),
      );

    const lifecycle = from(config.shutdown$)
      .pipe(
        map((_, index) => index),
        connect((signals$) => concat(accepting(signals$), shuttingDown(signals$))),
      )
      .subscribe(subscriber);

    return () => {
      lifecycle.unsubscribe();
      graceful.destroy();
      protocol.close();
      draining.complete();
    };
  });
}

function listening(address: AddressInfo): ServerEvent {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return { type: 'listening', address, url: `http://${host}:${address.port}` };
}
