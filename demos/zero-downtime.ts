// A zero-downtime restart of one server process, without node:cluster: this supervisor holds
// the listening socket it was given by socket activation (systemd, or systemd-socket-activate)
// and never accepts on it; the server, demos/production.ts, inherits it as `fd: 3`.
//
//   systemd-socket-activate -l 3000 -E DRAIN_DELAY=300 node --import tsx demos/zero-downtime.ts
//
// (systemd-socket-activate clears the environment: what the servers read goes in with -E.)
//
// - SIGHUP starts a new server on the same socket, waits until it listens, then SIGTERMs the
//   old one, which drains. Both accept from the one queue the kernel keeps for the socket,
//   and the socket never closes, so no connection is refused or reset: one that arrives
//   while the old server stops accepting waits in the queue for the new one.
// - The first SIGTERM or SIGINT is forwarded (the server drains); a second SIGINT forces.
//   The supervisor exits once the server has, with its exit code.
// - A server that exits by itself ends the supervisor (exit code 1 or the server's), for
//   systemd to restart; a new server that fails to start leaves the old one serving.
//
// Under systemd, the socket unit holds the socket too: `ExecReload=kill -HUP $MAINPID` in
// the service (docs/deployment.md, "Restarting one process").
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  EMPTY,
  type Observable,
  Subject,
  catchError,
  concat,
  concatMap,
  connect,
  defer,
  exhaustMap,
  filter,
  forkJoin,
  fromEvent,
  ignoreElements,
  map,
  merge,
  of,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import { fromSignals, systemdSocket } from '../lib/index.js';

const fd = systemdSocket();
const server = fileURLToPath(new URL('./production.ts', import.meta.url));
const running = new Set<ChildProcess>();
let current: ChildProcess | undefined;
let exitCode = 0;
/** The exit code of the server in service when it exits by itself (neither replaced nor stopped). */
const died$ = new Subject<number>();

/** Starts a server on the inherited socket; emits it once it listens (errors if it exits first). */
function started(): Observable<ChildProcess> {
  return defer(() => {
    const env: NodeJS.ProcessEnv = { ...process.env, FD: '3' };
    for (const name of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']) delete env[name];
    // The socket goes in as the child's fd 3 whatever its number here; 'ipc' carries 'ready'.
    const child = spawn(process.execPath, [...process.execArgv, server], { env, stdio: ['ignore', 'inherit', 'inherit', fd, 'ipc'] });
    running.add(child);
    const exit$ = exited(child).pipe(
      tap((code) => {
        throw new Error(`server ${child.pid} exited (${code}) before it listened`);
      }),
    );
    return fromEvent(child, 'message', (message: unknown) => message).pipe(
      filter((message) => message === 'ready'),
      take(1),
      map(() => {
        child.once('exit', (code) => child === current && died$.next(code ?? 1));
        return child;
      }),
      takeUntil(exit$),
    );
  });
}

/** Emits the exit code of `child` once it has exited. */
function exited(child: ChildProcess): Observable<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return of(child.exitCode);
  return fromEvent(child, 'exit', (code: number | null) => code).pipe(
    take(1),
    tap(() => running.delete(child)),
  );
}

/** The new server listens, then the old one drains; emits once the old one has exited. */
function replaced(): Observable<never> {
  return started().pipe(
    concatMap((fresh) => {
      const old = current!;
      current = fresh;
      old.kill('SIGTERM');
      return exited(old).pipe(tap((code) => console.log(`supervisor: server ${old.pid} (exit ${code}) replaced by ${fresh.pid}`)));
    }),
    ignoreElements(),
    // A new server that fails to start leaves the old one serving.
    catchError((error: Error) => {
      console.error(`supervisor: ${error.message}; server ${current?.pid} goes on serving`);
      return EMPTY;
    }),
  );
}

/**
 * Forwards the stop to every server still running (one draining from a replacement, too); a
 * second SIGINT forces them. Completes once all have exited; the exit code is the worst.
 */
function stopped(stop$: Observable<NodeJS.Signals>): Observable<never> {
  return defer(() => {
    current = undefined;
    const all = [...running];
    all.forEach((child) => child.kill('SIGTERM'));
    const forcing$ = stop$.pipe(
      filter((signal) => signal === 'SIGINT'),
      tap(() => all.forEach((child) => child.kill('SIGINT'))),
      ignoreElements(),
    );
    const exits$ = forkJoin(all.map(exited)).pipe(tap((codes) => (exitCode = Math.max(exitCode, ...codes.map((code) => code ?? 1)))));
    if (all.length === 0) return EMPTY;
    return merge(exits$, forcing$).pipe(take(1), ignoreElements());
  });
}

fromSignals('SIGHUP', 'SIGINT', 'SIGTERM')
  .pipe(
    connect((signals$) => {
      const stop$ = signals$.pipe(filter((signal) => signal !== 'SIGHUP'));
      return concat(
        // Until the first SIGTERM/SIGINT: start, then each SIGHUP replaces the server; a
        // SIGHUP during a replacement is ignored.
        concat(
          started().pipe(
            tap((child) => {
              current = child;
              console.log(`supervisor ${process.pid}: server ${child.pid} listening on fd ${fd}`);
            }),
            ignoreElements(),
          ),
          signals$.pipe(
            filter((signal) => signal === 'SIGHUP'),
            exhaustMap(() => replaced()),
          ),
        ).pipe(
          // A server that exits by itself ends the supervisor with its code, so that its own
          // supervisor (systemd's Restart=) starts it again; the socket waits meanwhile.
          takeUntil(
            merge(
              stop$,
              died$.pipe(
                tap((code) => {
                  console.error(`supervisor: the server exited by itself (${code})`);
                  exitCode = Math.max(1, code);
                }),
              ),
            ),
          ),
        ),
        stopped(stop$),
      );
    }),
  )
  .subscribe({
    complete: () => {
      console.log(`supervisor: server exited (${exitCode})`);
      process.exitCode = exitCode;
    },
    error: (error: Error) => {
      console.error(`supervisor: ${error.message}`);
      process.exitCode = 1;
    },
  });
