import { type AddressInfo, type Socket, createServer } from 'node:net';
import { Observable } from 'rxjs';
import { AcceptError, ListenError } from '../errors.js';
import { rememberRemote } from '../node-internals.js';
import { type OptionCheck, check, integer } from '../option-checks.js';

/**
 * What a listening socket tells: it is bound, a connection arrived, or an accept failed.
 *
 * @example
 * ```ts
 * listen({ port: 0 }).subscribe((e) => e.type === 'connection' && e.socket.end());
 * ```
 */
export type ListenEvent =
  | { readonly type: 'listening'; readonly address: AddressInfo }
  | { readonly type: 'connection'; readonly socket: Socket }
  | { readonly type: 'error'; readonly error: AcceptError };

/**
 * Where to listen.
 *
 * @example
 * ```ts
 * const options: ListenOptions = { port: 3000, host: '127.0.0.1' };
 * ```
 */
export interface ListenOptions {
  readonly port: number;
  readonly host?: string | undefined;
  readonly backlog?: number | undefined;
}

/**
 * The accept loop as a cold Observable: subscribing binds and listens, each accepted
 * socket is emitted, unsubscribing closes the listening socket at once (new connects are
 * refused; accepted sockets are left to their owner).
 *
 * Errors when it cannot bind (EADDRINUSE, EACCES...) with a {@link ListenError}; a failed
 * accept after that is an `error` event and accepting goes on. Out of descriptors (EMFILE),
 * libuv on Unix frees a descriptor it keeps in reserve, accepts the pending connections and
 * closes them at once, with no error; the event comes only when that reserve is gone too.
 *
 * ```
 * listen(...):  --l--c--c----c--     l = listening, c = connection
 * takeUntil:    -----------x         the listening socket is closed here
 * ```
 *
 * @example
 * ```ts
 * listen({ port: 0 }).pipe(takeUntil(shutdown$)).subscribe(handleEvent);
 * ```
 */
export function listen(options: ListenOptions): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    // The same socket options node's http.Server uses, so handing sockets to it is faithful.
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    let listening = false;
    const onListening = (): void => {
      listening = true;
      subscriber.next({ type: 'listening', address: server.address() as AddressInfo });
    };
    const onConnection = (socket: Socket): void => {
      rememberRemote(socket);
      subscriber.next({ type: 'connection', socket });
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      if (listening) subscriber.next({ type: 'error', error: new AcceptError(error) });
      else subscriber.error(new ListenError(`${options.host ?? '::'}:${options.port}`, error));
    };
    server.on('listening', onListening);
    server.on('connection', onConnection);
    server.on('error', onError);
    server.listen({ port: options.port, host: options.host, backlog: options.backlog });
    return () => {
      server.off('listening', onListening);
      server.off('connection', onConnection);
      server.off('error', onError);
      server.close();
    };
  });
}

/** The checks of `serve()`'s `port`, `host` and `backlog` options. */
export const LISTEN_OPTIONS = {
  port: integer(0, 0, 65535),
  host: (value: unknown, name: string): string | undefined => {
    check(name, value === undefined || (typeof value === 'string' && value.length > 0), 'a non-empty string', value);
    return value as string | undefined;
  },
  backlog: (value: unknown, name: string): number | undefined => {
    check(name, value === undefined || (Number.isInteger(value) && (value as number) > 0), 'a positive integer', value);
    return value as number | undefined;
  },
} satisfies Record<keyof ListenOptions, OptionCheck<unknown>>;
