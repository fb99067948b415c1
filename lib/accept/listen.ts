import { chmodSync } from 'node:fs';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { Observable } from 'rxjs';
import { AcceptError, ListenError } from '../errors.js';
import { rememberRemote } from '../node-internals.js';
import { type OptionCheck, check, integer } from '../option-checks.js';
import { checkInheritedFd, inheritedFdError, socketPathOf } from './inherited-socket.js';
import { describeSocketPath, prepareSocketPath, socketPathError } from './unix-socket.js';

/**
 * What a listening socket tells: it is bound, a connection arrived, or an accept failed.
 * `path` is there when it listens on a Unix domain socket, `fd` on an inherited one.
 *
 * @example
 * ```ts
 * listen({ port: 0 }).subscribe((e) => e.type === 'connection' && e.socket.end());
 * ```
 */
export type ListenEvent =
  | { readonly type: 'listening'; readonly address: AddressInfo; readonly path?: string; readonly fd?: number }
  | { readonly type: 'connection'; readonly socket: Socket }
  | { readonly type: 'error'; readonly error: AcceptError };

/**
 * Where to listen: a TCP `port` (and `host`), a Unix domain socket `path`, or a listening
 * socket this process inherited, by its descriptor `fd` (systemd's socket activation, see
 * {@link systemdSocket}). One of the three; a TCP port 0 (any free one) when none is given.
 *
 * @example
 * ```ts
 * const options: ListenOptions = { path: '/run/app/http.sock', pathMode: 0o660 };
 * ```
 */
export interface ListenOptions {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /**
   * A Unix domain socket. A socket file a dead server left there is removed first; a live
   * server's socket, or any other file, is a {@link ListenError}. Node removes the file when
   * the listening socket closes.
   */
  readonly path?: string | undefined;
  /**
   * The socket file's permissions (`0o660`: owner and group may connect), set before
   * `listening`; default as the process's umask leaves them.
   */
  readonly pathMode?: number | undefined;
  /** An inherited listening socket's descriptor; it is closed when listening ends. */
  readonly fd?: number | undefined;
  readonly backlog?: number | undefined;
}

/**
 * The accept loop as a cold Observable: subscribing binds and listens, each accepted
 * socket is emitted, unsubscribing closes the listening socket at once (new connects are
 * refused; accepted sockets are left to their owner).
 *
 * Errors when it cannot listen (EADDRINUSE, EACCES, a missing folder, a descriptor that is
 * not a socket...) with a {@link ListenError} that names where; a failed accept after that
 * is an `error` event and accepting goes on. Out of descriptors (EMFILE), libuv on Unix
 * frees a descriptor it keeps in reserve, accepts the pending connections and closes them
 * at once, with no error; the event comes only when that reserve is gone too.
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
    let unsubscribed = false;
    const { path, fd } = options;
    const onListening = (): void => {
      listening = true;
      if (path !== undefined && options.pathMode !== undefined) {
        try {
          chmodSync(path, options.pathMode);
        } catch (error) {
          subscriber.error(new ListenError(describeSocketPath(path), error as NodeJS.ErrnoException, 'cannot set its permissions'));
          return;
        }
      }
      subscriber.next({ type: 'listening', ...whereListening(server.address(), fd) });
    };
    const onConnection = (socket: Socket): void => {
      rememberRemote(socket);
      subscriber.next({ type: 'connection', socket });
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      if (listening) subscriber.next({ type: 'error', error: new AcceptError(error) });
      else if (path !== undefined) subscriber.error(socketPathError(path, error));
      else if (fd !== undefined) subscriber.error(inheritedFdError(fd, error));
      else subscriber.error(new ListenError(`${options.host ?? '::'}:${options.port ?? 0}`, error));
    };
    server.on('listening', onListening);
    server.on('connection', onConnection);
    server.on('error', onError);
    const { backlog } = options;
    if (path !== undefined) {
      void prepareSocketPath(path).then((problem) => {
        if (unsubscribed) return;
        if (problem) subscriber.error(problem);
        else server.listen({ path, backlog });
      });
    } else if (fd !== undefined) {
      const problem = checkInheritedFd(fd);
      if (problem) subscriber.error(problem);
      else server.listen({ fd, backlog });
    } else {
      server.listen({ port: options.port ?? 0, host: options.host, backlog });
    }
    return () => {
      unsubscribed = true;
      server.off('listening', onListening);
      server.off('connection', onConnection);
      server.off('error', onError);
      if (server.listening) server.close();
    };
  });
}

/**
 * What `listening` tells of a server's `address()`: node gives a Unix socket's as its path,
 * which becomes `path`, with an `address` of family `'unix'` and port 0; null for an
 * inherited Unix socket, whose path is looked up by its descriptor.
 */
export function whereListening(address: AddressInfo | string | null, fd?: number): { address: AddressInfo; path?: string; fd?: number } {
  const inherited = fd === undefined ? {} : { fd };
  if (address !== null && typeof address === 'object') return { address, ...inherited };
  const path = address ?? (fd === undefined ? undefined : socketPathOf(fd)) ?? '';
  return { address: { address: path, family: 'unix', port: 0 }, path, ...inherited };
}

/** The checks of `serve()`'s `port`, `host`, `path`, `pathMode`, `fd` and `backlog` options. */
export const LISTEN_OPTIONS = {
  port: integer(undefined, 0, 65535),
  host: (value: unknown, name: string): string | undefined => {
    check(name, value === undefined || (typeof value === 'string' && value.length > 0), 'a non-empty string', value);
    return value as string | undefined;
  },
  path: (value: unknown, name: string, resolved): string | undefined => {
    if (value === undefined) return undefined;
    check(name, typeof value === 'string' && value.length > 0, 'a non-empty string (a Unix socket path)', value);
    for (const other of ['port', 'host'] as const) {
      check(name, resolved[other] === undefined, `absent when \`${other}\` is given (a Unix socket has no ${other})`, value);
    }
    return value as string;
  },
  pathMode: (value: unknown, name: string, resolved): number | undefined => {
    if (value === undefined) return undefined;
    check(name, Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0o777, 'permission bits from 0 to 0o777, such as 0o660', value);
    check(name, resolved.path !== undefined, 'given with `path` only (the Unix socket it applies to)', value);
    return value as number;
  },
  fd: (value: unknown, name: string, resolved): number | undefined => {
    if (value === undefined) return undefined;
    check(name, Number.isInteger(value) && (value as number) >= 0, 'a file descriptor, an integer >= 0 (such as systemdSocket())', value);
    for (const other of ['port', 'host', 'path'] as const) {
      check(name, resolved[other] === undefined, `absent when \`${other}\` is given (the inherited socket is bound already)`, value);
    }
    return value as number;
  },
  backlog: (value: unknown, name: string): number | undefined => {
    check(name, value === undefined || (Number.isInteger(value) && (value as number) > 0), 'a positive integer', value);
    return value as number | undefined;
  },
} satisfies Record<keyof ListenOptions, OptionCheck<unknown>>;
