import type { Http2ServerResponse, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { OpenStream, OpenStreams } from './open-streams.js';

/**
 * HTTP/1.1's connection-specific headers, which HTTP/2 forbids (RFC 9113 §8.2.2). node
 * drops `connection` with a warning and throws for the others; a `Reply` written for
 * HTTP/1.1 (`keep-alive: timeout=5`, say) loses them over HTTP/2 instead of failing.
 */
const CONNECTION_SPECIFIC_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
// Their lengths: a name of another length (content-type...) is passed on without lowercasing
// a copy of it, on every response.
const CONNECTION_SPECIFIC_LENGTHS = new Set([...CONNECTION_SPECIFIC_HEADERS].map((name) => name.length));
/** nghttp2's NGHTTP2_NO_ERROR: the code of a stream that closed without a reset. */
const NO_ERROR = 0;

/** Where the responses of each session of rxserve's own server count themselves open. */
const openStreamsOf = new WeakMap<ServerHttp2Session, OpenStreams>();

/** Has each response `http2Response()` makes for a stream of `session` count itself in `streams`. */
export function countResponsesOf(session: ServerHttp2Session, streams: OpenStreams): void {
  openStreamsOf.set(session, streams);
}

let Http2Response: typeof Http2ServerResponse | undefined;

/**
 * node's compatibility response, made to drop HTTP/1.1 headers, to reset when destroyed
 * early, to tell a HEAD stream's reset, and to count its stream among its session's open
 * ones (`countResponsesOf()`) while it is open: no listener or entry a stream on h2c's hot path.
 */
export function http2Response(): typeof Http2ServerResponse {
  if (Http2Response) return Http2Response;
  Http2Response = class extends process.getBuiltinModule('node:http2').Http2ServerResponse implements OpenStream {
    readonly arrived = Date.now();
    openIn: OpenStreams | undefined = undefined;
    previousOpen: OpenStream | undefined = undefined;
    nextOpen: OpenStream | undefined = undefined;
    /** Closed by `headStreamClosed()`, not by node. */
    private resetBeforeHead = false;

    constructor(stream: ServerHttp2Stream) {
      super(stream);
      this.on('close', leaveOpenStreams);
      openStreamsOf.get(stream.session as ServerHttp2Session)?.add(this);
      if (this.req.method === 'HEAD') stream.once('close', () => this.headStreamClosed());
    }

    requestLine(): { method: string; url: string } {
      return { method: this.req.method, url: this.req.url };
    }

    // The date is set here, as node would set it: node's own store of it, in its header
    // processing, makes a V8 inline cache miss on every response once a process has loaded
    // as much code as rxjs, and that function then never gets optimized (bench/profile.md).
    override writeHead(statusCode: number, statusMessage?: unknown, headers?: unknown): this {
      if (this.sendDate && !this.headersSent && !this.hasHeader('date')) super.setHeader('date', utcDate());
      return super.writeHead(statusCode, statusMessage as string, headers as OutgoingHttpHeaders);
    }

    override setHeader(name: string, value: number | string | readonly string[]): void {
      if (CONNECTION_SPECIFIC_LENGTHS.has(name.length) && CONNECTION_SPECIFIC_HEADERS.has(name.toLowerCase())) return;
      super.setHeader(name, value);
    }

    // Destroyed without an error, node closes the stream with NO_ERROR and the client takes
    // the body it got for a whole one; with one, it resets the stream with INTERNAL_ERROR.
    // Over HTTP/1.1 destroying the socket is what tells; over HTTP/2 it is this reset.
    override destroy(error?: Error): this {
      return super.destroy(error ?? new Error('The response was destroyed before it finished'));
    }

    // Once headStreamClosed() has closed it, as node's end() does for a closed response:
    // nothing, and the callback on the next tick.
    override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
      if (!this.resetBeforeHead) return super.end(chunk as string, encoding as BufferEncoding, callback as () => void);
      const done = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (done) process.nextTick(done);
      return this;
    }

    // node emits the 'close' of a HEAD stream's response only once the response has ended,
    // as a head-only answer closes the stream before end() is called; so a HEAD stream the
    // client resets before any answer would never tell, and its handler would run on.
    private headStreamClosed(): void {
      this.openIn?.delete(this);
      if (this.headersSent || this.resetBeforeHead) return;
      this.resetBeforeHead = true;
      this.emit('close');
    }
  } as typeof Http2ServerResponse;
  // node's says a stream the client reset is finished (its writable side is done), and a
  // HEAD stream's from the start: a response finished whole only if it ended and its stream
  // closed, if it has, without a reset. (TypeScript's types declare it a property, so a
  // getter over it cannot be written in the class.)
  Object.defineProperty(Http2Response.prototype, 'writableFinished', {
    get(this: Http2ServerResponse): boolean {
      const { rstCode, writableFinished } = this.stream;
      return this.writableEnded && writableFinished && (rstCode === undefined || rstCode === NO_ERROR);
    },
  });
  return Http2Response;
}

// A response's 'close' listener (`this` is the response): one function for all of them.
function leaveOpenStreams(this: OpenStream): void {
  this.openIn?.delete(this);
}

let dateValue = '';
let dateExpires = 0;

/** The `date` header's value now, made once a second (as node makes its own). */
function utcDate(): string {
  const now = Date.now();
  if (now >= dateExpires) {
    dateValue = new Date(now).toUTCString();
    dateExpires = now - (now % 1000) + 1000;
  }
  return dateValue;
}
