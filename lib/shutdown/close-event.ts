import type { EventEmitter } from 'node:events';
import { Observable, type Observer, type Unsubscribable } from 'rxjs';

/**
 * The first `'close'` event of an emitter (a socket, an HTTP/2 session, a WebSocket) as an
 * Observable, for the `closed$` of a {@link GracefulConnection}: it emits at that `'close'`
 * and completes, and removes its listener on unsubscribe, like
 * `fromEvent(emitter, 'close').pipe(take(1))`.
 *
 * {@link GracefulShutdown} watches it without a subscription: a subscription is half a
 * dozen objects kept for as long as the connection lives, and ending it at the close costs
 * more than the rest of forgetting the connection (`bench/drain-latency.ts`, 10,000
 * connections).
 *
 * @example
 * ```ts
 * graceful.watch({
 *   closed$: fromCloseEvent(socket),
 *   gracefulShutdown: () => socket.end(),
 *   destroy: () => socket.destroy(),
 * });
 * ```
 */
export function fromCloseEvent(emitter: EventEmitter): Observable<void> {
  return new CloseEvent(emitter);
}

/**
 * What {@link fromCloseEvent} makes, which {@link GracefulShutdown} recognises.
 *
 * @example
 * ```ts
 * const subscription = closed$ instanceof CloseEvent ? closed$.listen(observer) : closed$.subscribe(observer);
 * ```
 */
export class CloseEvent extends Observable<void> {
  constructor(private readonly emitter: EventEmitter) {
    super((subscriber) => {
      const onClose = (): void => {
        subscriber.next();
        subscriber.complete();
      };
      emitter.on('close', onClose);
      return () => emitter.off('close', onClose);
    });
  }

  /**
   * Calls `observer.next()` at `'close'` until unsubscribed: one listener, no subscription.
   *
   * @example
   * ```ts
   * const listening = new CloseEvent(socket).listen({ next: () => console.log('closed') });
   * ```
   */
  listen(observer: Pick<Observer<void>, 'next'>): Unsubscribable {
    return new CloseListener(this.emitter, observer);
  }
}

class CloseListener implements Unsubscribable {
  private listening = true;
  private readonly listener = (): void => {
    if (!this.listening) return;
    this.listening = false;
    this.observer.next();
  };

  constructor(
    private readonly emitter: EventEmitter,
    private readonly observer: Pick<Observer<void>, 'next'>,
  ) {
    emitter.on('close', this.listener);
  }

  unsubscribe(): void {
    if (!this.listening) return;
    this.listening = false;
    // Removing a listener costs more than the rest of forgetting a connection. A destroyed
    // stream emits 'close' once, a turn later: its listener goes with it, unheard.
    if ((this.emitter as { destroyed?: unknown }).destroyed !== true) this.emitter.off('close', this.listener);
  }
}
