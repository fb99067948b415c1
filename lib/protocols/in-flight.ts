import type { ServerResponse } from 'node:http';
import type { RequestInfo } from '../shutdown/connection.js';

/**
 * The responses in flight on an HTTP/1.1 connection, oldest first, with when each request
 * arrived. The oldest (the one being answered) is kept in fields, any pipelined behind it
 * in arrays made when the first such request comes: a request that is alone on its
 * connection, nearly every one, costs no array work when it arrives or leaves.
 */
export class InFlight {
  size = 0;
  private oldest: ServerResponse | undefined = undefined;
  private oldestArrived = 0;
  private queued: ServerResponse[] | undefined = undefined;
  private queuedArrived: number[] | undefined = undefined;

  /** The newest response in flight. */
  get newest(): ServerResponse | undefined {
    return this.queued?.at(-1) ?? this.oldest;
  }

  /** Adds `res`, whose request arrived at `arrived` (`Date.now()`), as the newest. */
  add(res: ServerResponse, arrived: number): void {
    if (this.size++ === 0) {
      this.oldest = res;
      this.oldestArrived = arrived;
      return;
    }
    (this.queued ??= []).push(res);
    (this.queuedArrived ??= []).push(arrived);
  }

  /** Takes `res` out; false if it was not in flight. */
  delete(res: ServerResponse): boolean {
    if (res === this.oldest) {
      if (this.queued?.length) {
        this.oldest = this.queued.shift();
        this.oldestArrived = this.queuedArrived!.shift()!;
      } else this.oldest = undefined;
    } else {
      const index = this.queued?.indexOf(res) ?? -1;
      if (index < 0) return false;
      this.queued!.splice(index, 1);
      this.queuedArrived!.splice(index, 1);
    }
    this.size--;
    return true;
  }

  /** A copy of the responses in flight, oldest first. */
  responses(): ServerResponse[] {
    return this.oldest ? [this.oldest, ...(this.queued ?? [])] : [];
  }

  /** What each request in flight is, `now` giving its age. */
  describe(now: number): RequestInfo[] {
    const arrivals = [this.oldestArrived, ...(this.queuedArrived ?? [])];
    return this.responses().map((res, i) => ({ method: res.req.method ?? '', url: res.req.url ?? '', age: now - arrivals[i]! }));
  }
}
