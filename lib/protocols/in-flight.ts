import type { ServerResponse } from 'node:http';
import type { RequestInfo } from '../shutdown/connection.js';

/** A pipelined response waiting behind the oldest, with when its request arrived. */
interface Queued {
  readonly res: ServerResponse;
  readonly arrived: number;
}

/**
 * The responses in flight on an HTTP/1.1 connection, oldest first, with when each request
 * arrived. The oldest (the one being answered) is kept in fields, any pipelined behind it
 * in an array made when the first such request comes: a request that is alone on its
 * connection, nearly every one, costs no array work when it arrives or leaves.
 */
export class InFlight {
  private oldest: ServerResponse | undefined = undefined;
  private oldestArrived = 0;
  private queued: Queued[] | undefined = undefined;

  /** How many responses are in flight. */
  get size(): number {
    return this.oldest === undefined ? 0 : 1 + (this.queued?.length ?? 0);
  }

  /** The newest response in flight. */
  get newest(): ServerResponse | undefined {
    return this.queued?.at(-1)?.res ?? this.oldest;
  }

  /** Adds `res`, whose request arrived at `arrived` (`Date.now()`), as the newest. */
  add(res: ServerResponse, arrived: number): void {
    if (this.oldest === undefined) {
      this.oldest = res;
      this.oldestArrived = arrived;
    } else (this.queued ??= []).push({ res, arrived });
  }

  /** Takes `res` out; false if it was not in flight. */
  delete(res: ServerResponse): boolean {
    if (res === this.oldest) {
      const next = this.queued?.shift();
      this.oldest = next?.res;
      if (next) this.oldestArrived = next.arrived;
      return true;
    }
    const index = this.queued?.findIndex((queued) => queued.res === res) ?? -1;
    if (index < 0) return false;
    this.queued!.splice(index, 1);
    return true;
  }

  /** A copy of the responses in flight, oldest first. */
  responses(): ServerResponse[] {
    return this.oldest ? [this.oldest, ...(this.queued ?? []).map((queued) => queued.res)] : [];
  }

  /** What each request in flight is, `now` giving its age. */
  describe(now: number): RequestInfo[] {
    if (!this.oldest) return [];
    const all: Queued[] = [{ res: this.oldest, arrived: this.oldestArrived }, ...(this.queued ?? [])];
    return all.map(({ res, arrived }) => ({ method: res.req.method ?? '', url: res.req.url ?? '', age: now - arrived }));
  }
}
