import { EMPTY, Subject, of } from 'rxjs';
import { GracefulShutdown } from './graceful-shutdown.js';
import { lifecycle } from './lifecycle.js';

let warm = false;

/**
 * Runs the shutdown path once, at once, over two connections that close once the drain is
 * under way: the signal, the accept stop, the drain race (its deadline's timer armed and
 * disarmed), `remaining`, `closed`. V8 compiles a function the first time it runs, and
 * node's own `server.close()` comes precompiled with node: without this, the first (and
 * only) shutdown of a process would pay ~2 ms compiling the RxJS operators and rxserve code
 * on its path (bench/drain-latency.ts `--sizes=10`), as much as draining 100 idle
 * connections; `http1Protocol()` warms up its idle close the same way. Once a process, when
 * its first server starts; nothing outlives it (spec/warm-up.spec.ts).
 */
export function warmUpShutdownPath(): void {
  if (warm) return;
  warm = true;
  const graceful = new GracefulShutdown();
  // Two that close only once the drain is under way, so that the deadline's timer is armed
  // and disarmed, the first close schedules a `remaining` event and the second sends it at
  // once, as when idle connections close a turn after they are told.
  const closes = [new Subject<void>(), new Subject<void>()];
  for (const closed$ of closes) graceful.watch({ closed$, gracefulShutdown: () => undefined, destroy: () => closed$.next() });
  lifecycle({ accepts$: EMPTY, graceful, shutdown$: of(0), deadline: WARM_UP_DEADLINE }).subscribe();
  for (const closed$ of closes) closed$.next();
}

/** Longer than the warm-up, which is over before it returns: the timer is only armed and disarmed. */
const WARM_UP_DEADLINE = 60_000;
