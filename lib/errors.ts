/**
 * Every error rxserve produces carries a stable `code`, so callers can branch on it
 * instead of parsing messages.
 *
 * @example
 * ```ts
 * server$.subscribe({ error: (e) => e.code === 'ERR_RXSERVE_LISTEN' && process.exit(1) });
 * ```
 */
export type RxServeErrorCode =
  | 'ERR_RXSERVE_INVALID_OPTION'
  | 'ERR_RXSERVE_LISTEN'
  | 'ERR_RXSERVE_ACCEPT'
  | 'ERR_RXSERVE_HANDLER'
  | 'ERR_RXSERVE_INVALID_REPLY'
  | 'ERR_RXSERVE_CLIENT'
  | 'ERR_RXSERVE_HTTP'
  | 'ERR_RXSERVE_BODY_TOO_LARGE'
  | 'ERR_RXSERVE_INVALID_JSON'
  | 'ERR_RXSERVE_TLS';

/**
 * Base class of every error rxserve creates.
 *
 * @example
 * ```ts
 * if (error instanceof RxServeError) console.error(error.code, error.message);
 * ```
 */
export class RxServeError extends Error {
  override name = 'RxServeError';

  constructor(
    readonly code: RxServeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /**
   * What `JSON.stringify` writes: `name`, `code`, `message`, the fields of the subclass
   * (`option`, `status`, `syscallCode`...) and the `cause` with its own name, code, message
   * and stack. An Error's message and cause are not enumerable, so without this a logged
   * `error` event would say only `{"code":...,"name":...}`.
   *
   * @example
   * ```ts
   * server$.subscribe((event) => console.log(JSON.stringify(event)));
   * // {"type":"error","error":{"name":"HandlerError","code":"ERR_RXSERVE_HANDLER",
   * //   "message":"Handler failed for GET /: db down","cause":{"name":"Error","message":"db down",...}},...}
   * ```
   */
  toJSON(): Record<string, unknown> {
    const { name, code, message, cause } = this;
    // The subclass's own fields (`option`, `status`...): the spread of an Error has no others.
    const fields: Record<string, unknown> = { ...(this as object) };
    return { name, code, message, ...fields, ...(cause === undefined ? {} : { cause: causeToJSON(cause) }) };
  }
}

function causeToJSON(cause: unknown): unknown {
  if (cause instanceof RxServeError) return cause.toJSON();
  if (!(cause instanceof Error)) return typeof cause === 'object' && cause !== null ? String(cause) : cause;
  const { code } = cause as NodeJS.ErrnoException;
  return {
    name: cause.name,
    ...(code === undefined ? {} : { code }),
    message: cause.message,
    stack: cause.stack,
    ...(cause.cause === undefined ? {} : { cause: causeToJSON(cause.cause) }),
  };
}

/**
 * An option given to `serve()` (or another factory) has the wrong type or range.
 * Thrown synchronously, at the call, never later.
 *
 * @example
 * ```ts
 * serve({ handler, deadline: -1 });
 * // InvalidOptionError: Expected `deadline` to be a finite number >= 0, got `-1` (number)
 * ```
 */
export class InvalidOptionError extends RxServeError {
  override name = 'InvalidOptionError';

  constructor(
    readonly option: string,
    expected: string,
    received: unknown,
  ) {
    super('ERR_RXSERVE_INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describe(received)}`);
  }

  /**
   * An option name nobody reads: most often a typo.
   *
   * @example
   * ```ts
   * InvalidOptionError.unknown('dealine', ['deadline', 'port']).message;
   * // Unknown option `dealine`; the known options are `deadline`, `port`
   * ```
   */
  static unknown(option: string, known: Iterable<string>): InvalidOptionError {
    const error = new InvalidOptionError(option, '', undefined);
    error.message = `Unknown option \`${option}\`; the known options are ${[...known].map((name) => `\`${name}\``).join(', ')}`;
    return error;
  }
}

/**
 * The server could not listen (EADDRINUSE, EACCES, ENOTFOUND, a Unix socket path in a
 * missing folder, a descriptor that is not a socket...). server$ errors with it;
 * `syscallCode` is the system's code, when the system gave one.
 *
 * @example
 * ```ts
 * serve({ port: 80, handler }).subscribe({ error: (e: ListenError) => console.error(e.syscallCode) });
 * ```
 */
export class ListenError extends RxServeError {
  override name = 'ListenError';
  readonly syscallCode: string | undefined;

  /** `reason` says what went wrong when the system's code alone would mislead. */
  constructor(where: string, cause: NodeJS.ErrnoException | undefined, reason?: string) {
    const code = cause?.code;
    const why = reason ?? LISTEN_REASONS[code ?? ''] ?? cause?.message ?? 'unknown reason';
    super('ERR_RXSERVE_LISTEN', `Cannot listen on ${where}: ${why}${code ? ` (${code})` : ''}`, { cause });
    this.syscallCode = code;
  }
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use by another server',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ENOTFOUND: 'the host name does not resolve',
};

/**
 * The user's handler threw, rejected or errored. Reported as an `error` event; the
 * server keeps serving.
 *
 * @example
 * ```ts
 * server$.pipe(filter((e) => e.type === 'error')).subscribe((e) => log(e.error.cause));
 * ```
 */
export class HandlerError extends RxServeError {
  override name = 'HandlerError';

  constructor(method: string, url: string, cause: unknown) {
    super('ERR_RXSERVE_HANDLER', `Handler failed for ${method} ${url}: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The handler produced something that is not a valid `Reply` (bad status, bad body type,
 * no reply at all). Answered with 500 and reported as an `error` event.
 *
 * @example
 * ```ts
 * serve({ handler: () => ({ status: 42 }) }); // each request: 500 and an ERR_RXSERVE_INVALID_REPLY event
 * ```
 */
export class InvalidReplyError extends RxServeError {
  override name = 'InvalidReplyError';

  constructor(message: string) {
    super('ERR_RXSERVE_INVALID_REPLY', message);
  }
}

/**
 * A client sent something the server could not parse (bad request line, oversized
 * headers, a timeout). The client got a 4xx or a close; the server keeps serving.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'error' && e.error.code === 'ERR_RXSERVE_CLIENT' && metrics.badRequests++);
 * ```
 */
export class ClientError extends RxServeError {
  override name = 'ClientError';

  constructor(cause: NodeJS.ErrnoException) {
    super('ERR_RXSERVE_CLIENT', `Bad input from client: ${cause.message}${cause.code ? ` (${cause.code})` : ''}`, {
      cause,
    });
  }
}

/**
 * The {@link ClientError} of a client too slow to begin (`handshakeTimeout`), with `code` as
 * its cause's code, as node would have said it.
 */
export function slowClientError(code: string, message: string): ClientError {
  return new ClientError(Object.assign(new Error(message), { code }));
}

/**
 * Socket error codes that only say the peer went away (a reset, a broken pipe): such a
 * connection is closed quietly, not reported as a {@link ClientError}.
 */
export const PEER_GONE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  // node's HTTP/1.1 parser: the connection ended (a FIN, or a reset node read as one) in the
  // middle of a request, a client that gave up on its upload.
  'HPE_INVALID_EOF_STATE',
]);

/**
 * Accepting a connection failed. Reported as an `error` event; the listener keeps
 * accepting once resources free up. Rare for EMFILE on Unix: libuv then closes the
 * connections it cannot hold without reporting them (see `listen()`).
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'error' && e.error.code === 'ERR_RXSERVE_ACCEPT' && alert());
 * ```
 */
export class AcceptError extends RxServeError {
  override name = 'AcceptError';

  constructor(cause: NodeJS.ErrnoException) {
    super('ERR_RXSERVE_ACCEPT', `Cannot accept a connection: ${cause.message}`, { cause });
  }
}

/**
 * An error that says which HTTP status to answer. Thrown (or errored) by a handler before
 * the head is sent, it answers `status` with `headers` and its message as a plain-text
 * body (so write messages a client may read), instead of a bare 500. It is reported as an
 * `error` event like any other failure.
 *
 * @example
 * ```ts
 * const handler: Handler = (req) => {
 *   if (!req.headers.authorization) throw new HttpError(401, 'Sign in first', { 'www-authenticate': 'Bearer' });
 *   return { body: 'secret' };
 * };
 * ```
 */
export class HttpError extends RxServeError {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super('ERR_RXSERVE_HTTP', message);
  }
}

/**
 * A request body is larger than the limit a body helper was given: 413. Raised as soon as
 * the limit is crossed (or at once, from `Content-Length`), before the rest is read.
 *
 * @example
 * ```ts
 * readText(req, { limit: 1024 }); // a 2 KiB body: errors with BodyTooLargeError (413)
 * ```
 */
export class BodyTooLargeError extends HttpError {
  override name = 'BodyTooLargeError';
  override readonly code: RxServeErrorCode = 'ERR_RXSERVE_BODY_TOO_LARGE';

  constructor(readonly limit: number) {
    super(413, `The request body is larger than ${limit} bytes`);
  }
}

/**
 * A request body that should be JSON does not parse: 400.
 *
 * @example
 * ```ts
 * readJson(req); // a body of `{oops`: errors with InvalidJsonError (400)
 * ```
 */
export class InvalidJsonError extends HttpError {
  override name = 'InvalidJsonError';
  override readonly code: RxServeErrorCode = 'ERR_RXSERVE_INVALID_JSON';

  constructor(cause: unknown) {
    super(400, `The request body is not valid JSON: ${messageOf(cause)}`);
    this.cause = cause;
  }
}

/**
 * The `tls` key or certificate does not load (unreadable PEM, a key that does not match
 * the certificate, a wrong passphrase). server$ errors with it before listening.
 *
 * @example
 * ```ts
 * serve({ handler, tls: { key, cert } }).subscribe({ error: (e) => e.code === 'ERR_RXSERVE_TLS' && console.error(e.message) });
 * ```
 */
export class TlsError extends RxServeError {
  override name = 'TlsError';

  constructor(cause: NodeJS.ErrnoException) {
    super('ERR_RXSERVE_TLS', `Cannot load the \`tls\` key or certificate: ${cause.message}${cause.code ? ` (${cause.code})` : ''}`, {
      cause,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function (${typeof value})`;
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (value === null) return '`null`';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `\`${String(value)}\` (${typeof value})`;
}
