import type { IncomingHttpHeaders, ServerHttp2Session } from 'node:http2';
import type { RequestInfo } from '../shutdown/connection.js';

/**
 * A stream an HTTP/2 connection counts as open: rxserve's own response for it, or a record
 * of it on an adopted server. It carries its own links, so counting a stream in and out
 * allocates nothing (h2c's hot path).
 */
export interface OpenStream {
  /** `Date.now()` when the stream arrived. */
  readonly arrived: number;
  /** The request's method and target. */
  requestLine(): { readonly method: string; readonly url: string };
  /** The list it is in, if any, and its neighbours there; only `OpenStreams` writes them. */
  openIn: OpenStreams | undefined;
  previousOpen: OpenStream | undefined;
  nextOpen: OpenStream | undefined;
}

/** The open streams of one session, in arrival order: a list through the streams' own links. */
export class OpenStreams {
  size = 0;
  private first: OpenStream | undefined;
  private last: OpenStream | undefined;

  /** `onEmpty` runs each time the last open stream leaves. */
  constructor(private readonly onEmpty: () => void) {}

  /** Puts `stream` last; one already in a list is left alone. */
  add(stream: OpenStream): void {
    if (stream.openIn !== undefined) return;
    stream.openIn = this;
    stream.previousOpen = this.last;
    stream.nextOpen = undefined;
    if (this.last) this.last.nextOpen = stream;
    else this.first = stream;
    this.last = stream;
    this.size++;
  }

  /** Takes `stream` out; one that is not in the list is left alone. */
  delete(stream: OpenStream): void {
    if (stream.openIn !== this) return;
    const { previousOpen, nextOpen } = stream;
    if (previousOpen) previousOpen.nextOpen = nextOpen;
    else this.first = nextOpen;
    if (nextOpen) nextOpen.previousOpen = previousOpen;
    else this.last = previousOpen;
    stream.openIn = stream.previousOpen = stream.nextOpen = undefined;
    if (--this.size === 0) this.onEmpty();
  }

  /** What each open stream is serving, `now` giving its age. */
  describe(now: number): RequestInfo[] {
    const requests: RequestInfo[] = [];
    for (let stream = this.first; stream; stream = stream.nextOpen) {
      requests.push({ ...stream.requestLine(), age: now - stream.arrived });
    }
    return requests;
  }
}

/**
 * Counts each stream of `session` in `streams` while it is open: for an adopted server,
 * whose responses are the app's (rxserve's own count themselves, see http2-response.ts).
 */
export function countStreamsOf(session: ServerHttp2Session, streams: OpenStreams): void {
  session.on('stream', (stream, headers) => {
    const record = new StreamRecord(headers);
    streams.add(record);
    stream.once('close', () => streams.delete(record));
  });
}

/** An open stream of an adopted server, known by its request's headers. */
class StreamRecord implements OpenStream {
  readonly arrived = Date.now();
  openIn: OpenStreams | undefined = undefined;
  previousOpen: OpenStream | undefined = undefined;
  nextOpen: OpenStream | undefined = undefined;

  constructor(private readonly headers: IncomingHttpHeaders) {}

  requestLine(): { method: string; url: string } {
    return { method: String(this.headers[':method'] ?? ''), url: String(this.headers[':path'] ?? '') };
  }
}
