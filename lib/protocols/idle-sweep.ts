/**
 * node's `closeIdleConnections()` for one private `http.Server`, run only when it cannot do
 * harm. node's parser knows which sockets are between requests (after stray bytes such as a
 * CRLF, say), which `socket.bytesRead` cannot tell; but its sweep also destroys every socket
 * whose response has ended and is still being flushed to a slow reader (cutting it short),
 * and every idle socket lingering in its `idleGrace`. So a sweep asked for waits until no
 * response is in flight and no grace is running on this server, then runs once.
 */
export class IdleSweep {
  private responses = 0;
  private graces = 0;
  private wanted = false;
  private queued = false;

  constructor(private readonly closeIdleConnections: () => void) {}

  /**
   * Asks for a sweep: at the end of this tick (one for every connection told in it), or
   * once it is safe.
   */
  request(): void {
    this.wanted = true;
    this.soon();
  }

  /**
   * A response began: no sweep until it has closed.
   */
  responseBegan(): void {
    this.responses++;
  }

  /**
   * A response closed (flushed or abandoned); the last one lets a sweep asked for run.
   */
  responseEnded(): void {
    this.responses--;
    this.soon();
  }

  /**
   * An idle connection lingers in its `idleGrace`: no sweep until it ends.
   */
  graceBegan(): void {
    this.graces++;
  }

  /**
   * A grace ended (or its socket closed); the last one lets a sweep asked for run.
   */
  graceEnded(): void {
    this.graces--;
    this.soon();
  }

  private soon(): void {
    if (!this.wanted || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.wanted || this.responses > 0 || this.graces > 0) return;
      this.wanted = false;
      this.closeIdleConnections();
    });
  }
}
