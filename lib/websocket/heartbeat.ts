import { type Subscription, interval } from 'rxjs';
import type { WebSocket } from 'ws';

/**
 * Keeps WebSockets honest: at every tick each one is pinged, and one that has not
 * answered the previous tick's ping with a pong is terminated (close code 1006 on its
 * side). A silent peer is gone within two intervals.
 *
 * One timer serves every socket, and only while there is one to watch.
 *
 * ```
 * ticks:   ------t------t------t
 * peer a:  ------p-pong-p-pong-p...   kept
 * peer b:  ------p------x             terminated at the tick after the unanswered ping
 * ```
 */
export class Heartbeat {
  private readonly awaitingPong = new Map<WebSocket, boolean>();
  private ticking: Subscription | undefined;

  /** @param every milliseconds between pings; must be > 0. */
  constructor(private readonly every: number) {}

  /**
   * Starts watching `ws` until the returned function is called (or it is terminated).
   */
  watch(ws: WebSocket): () => void {
    const onPong = (): void => {
      if (this.awaitingPong.has(ws)) this.awaitingPong.set(ws, false);
    };
    ws.on('pong', onPong);
    this.awaitingPong.set(ws, false);
    this.ticking ??= interval(this.every).subscribe(() => this.tick());
    return () => {
      ws.off('pong', onPong);
      this.awaitingPong.delete(ws);
      if (this.awaitingPong.size === 0) this.stop();
    };
  }

  /**
   * Stops the timer; sockets are left as they are.
   */
  stop(): void {
    this.ticking?.unsubscribe();
    this.ticking = undefined;
  }

  private tick(): void {
    for (const [ws, awaiting] of this.awaitingPong) {
      if (awaiting) {
        ws.terminate();
        continue;
      }
      this.awaitingPong.set(ws, true);
      ws.ping();
    }
  }
}
