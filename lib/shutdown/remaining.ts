import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { RemainingEvent } from '../events.js';
import type { GracefulShutdown } from './graceful-shutdown.js';

/**
 * The open count of `graceful` while it drains, as `remaining` events: one a turn of the
 * event loop however many connections closed in it (10,000 sockets closed together make
 * one event), the last, with none open, at once. The count when subscribed is not a change
 * and is not told.
 *
 * ```
 * count$:     2--1-0         (1 and 0 in different turns)
 * remaining:  ---r-z         r = { open: 1 }, z = { open: 0 }, each a turn after its change but the last
 * ```
 */
export function remaining(graceful: GracefulShutdown, scheduler: SchedulerLike): Observable<RemainingEvent> {
  return new Observable<RemainingEvent>((subscriber) => {
    let pending: Subscription | undefined;
    const tell = (): void => {
      pending = undefined;
      subscriber.next({ type: 'remaining', open: graceful.count, byProtocol: graceful.countByProtocol });
    };
    // Written out rather than composed (count$, skip(1), auditTime): it runs at every close.
    const stopCounting = graceful.onCountChange((open) => {
      if (open === 0) {
        pending?.unsubscribe();
        tell();
      } else pending ??= scheduler.schedule(tell);
    });
    return () => {
      stopCounting();
      pending?.unsubscribe();
    };
  });
}
