import type { AddressInfo } from 'node:net';
import { EMPTY, Observable, mergeMap, of, tap } from 'rxjs';
import type { ErrorEvent, ServerEvent } from './events.js';
import { GracefulShutdown } from './graceful.js';
import { healthCheck } from './health.js';
import { http1Protocol } from './http1.js';
import { type ListenEvent, listen } from './listen.js';
import { callListener } from './listener.js';
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
 * shutdown$:  ---------s----------------
 * server$:    -l-------(ds)---r--r--(c|)    l = listening, d = draining, s = shutdown,
 *                                           r = remaining, c = closed
 * ```
 *
 * With a `drainDelay`, `shutdown` (the accept stop) comes that long after `draining`; the
 * `deadline` counts from the signal either way (see {@link shutdownSequence}).
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
    let ready = true;
    const answerHealth = config.health && healthCheck(config.health, () => ready);
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
    const draining$ = graceful.shuttingDown$;
    const { handler, listener } = config;
    const respondOptions = { handler: handler!, draining$, report };
    const protocol = http1Protocol({
      onRequest: (req, res) => {
        if (answerHealth && answerHealth(req, res)) return;
        // While draining (readiness failing, still serving), each response asks the client
        // to reconnect: by the accept stop, busy keep-alive clients have moved elsewhere
        // and no request of theirs races the closing of an idle connection.
        if (!ready && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
        if (listener) callListener(req, res, { listener, report });
        else respond(req, res, respondOptions);
      },
      report,
      limits: config.http1,
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
      drainDelay: config.drainDelay,
      scheduler: config.scheduler,
    })
      .pipe(
        tap((event) => {
          if (event.type === 'draining') ready = false;
        }),
      )
      .subscribe(subscriber);

    return () => {
      lifecycle.unsubscribe();
      graceful.destroy();
      protocol.close();
      websockets?.close();
    };
  });
}

function listening(address: AddressInfo): ServerEvent {
  const unspecified = address.address === '::' || address.address === '0.0.0.0';
  const host = unspecified ? 'localhost' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return { type: 'listening', address, url: `http://${host}:${address.port}` };
}
