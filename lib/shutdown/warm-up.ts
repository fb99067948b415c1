import { EMPTY, Subject, of } from 'rxjs';
import { GracefulShutdown } from './graceful-shutdown.js';
import { lifecycle } from './lifecycle.js';

let warm = false;

/**
 * Runs the shutdown path once, at once, over connections that close as they are told: the
 * signal, the accept stop, the drain race, `remaining`, `closed`. V8 compiles a function
 * the first time it runs, and node's own `server.close()` comes precompiled with node:
 * without this, the first (and only) shutdown of a process would pay ~2 ms compiling the
 * RxJS operators and rxserve code on its path (bench/drain-latency.ts `--sizes=10`), as much
 * as draining 100 idle connections. Once a process, when its first server starts; nothing
 * is scheduled and nothing outlives it.
 */
export function warmUpShutdownPath(): void {
  if (warm) return;
  warm = true;
  const graceful = new GracefulShutdown();
  // Two, so that the first close schedules a `remaining` event and the second cancels it,
  // as when idle connections close as they are told.
  for (let i = 0; i < 2; i++) {
    const closes = new Subject<void>();
    graceful.watch({ closed$: closes, gracefulShutdown: () => closes.next(), destroy: () => closes.next() });
  }
  lifecycle({ accepts$: EMPTY, graceful, shutdown$: of(0), deadline: 0 }).subscribe();
}
