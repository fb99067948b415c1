import type { EventEmitter } from 'node:events';
import { Observable, type Observer, type Unsubscribable } from 'rxjs';

/**
 * The `'close'` event of an emitter (a socket, a WebSocket) as an Observable: it emits at
 * the first `'close'` and completes, and removes its listener on unsubscribe.
 * {@link GracefulShutdown} also listens to it without a subscription, through `listen()`.
 *
 * @example
 * ```ts
 * const conn: GracefulConnection = {
 *   closed$: new CloseEvent(socket),
 *   gracefulShutdown: () => socket.end(),
 *   destroy: () => socket.destroy(),
 * };
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
   * Calls `observer.next()` at `'close'` until unsubscribed: the cheap way to watch many
   * connections. A subscription costs half a dozen objects for as long as the connection
   * lives, and a tenth of the time to end at its close (`bench/drain-latency.ts`, 10,000
   * connections); this is one listener and the returned handle.
   *
   * @example
   * ```ts
   * const listening = new CloseEvent(socket).listen({ next: () => console.log('closed') });
   * listening.unsubscribe();
   * ```
   */
  listen(observer: Pick<Observer<void>, 'next'>): Unsubscribable {
    return new CloseListener(this.emitter, observer);
  }
}

class CloseListener implements Unsubscribable {
  private closed = false;
  private readonly listener = (): void => {
    this.closed = true;
    this.observer.next();
  };

  constructor(
    private readonly emitter: EventEmitter,
    private readonly observer: Pick<Observer<void>, 'next'>,
  ) {
    emitter.on('close', this.listener);
  }

  unsubscribe(): void {
    // After 'close', which comes once, the listener goes with the emitter: removing it
    // would cost more than the rest of forgetting a connection.
    if (!this.closed) this.emitter.off('close', this.listener);
  }
}
