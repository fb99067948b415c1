// node:cluster with rolling restarts: WORKERS copies of demos/production.ts share one port.
//
//   WORKERS=4 PORT=3000 DRAIN_DELAY=500 node --import tsx demos/cluster.ts
//
// - SIGHUP replaces the workers one at a time: start the new one, wait until it listens,
//   then SIGTERM the old one, which stops taking connections and drains; then the next.
// - The first SIGTERM or SIGINT is forwarded to every worker as SIGTERM (each drains); a
//   second SIGINT is forwarded as is (each forces). The primary exits by itself once every
//   worker has exited, with 1 if any did not close gracefully.
// - A worker that dies on its own is not replaced here: that is a process manager's job.
//
// Workers use shutdownSignals(), so a signal they get twice (a terminal's Ctrl+C reaches the
// whole process group, and the primary forwards it too) drains once. Under pm2
// (`exec_mode: 'cluster'`) pm2 is the primary: run demos/production.ts directly.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  EMPTY,
  type Observable,
  concat,
  concatMap,
  defer,
  exhaustMap,
  filter,
  finalize,
  forkJoin,
  fromEvent,
  ignoreElements,
  connect,
  map,
  merge,
  share,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import { fromSignals } from '../lib/index.js';

const size = Number(process.env['WORKERS'] ?? availableParallelism());
cluster.setupPrimary({ exec: fileURLToPath(new URL('./production.ts', import.meta.url)) });

const workers = new Set<Worker>();
let ungraceful = 0;

/** Forks a worker; emits it once it listens (completes empty if it exits before). */
function started(): Observable<Worker> {
  return defer(() => {
    const worker = cluster.fork();
    workers.add(worker);
    const exit$ = exited(worker).pipe(share());
    exit$.subscribe((code) => {
      workers.delete(worker);
      if (code !== 0) ungraceful++;
    });
    return fromEvent(worker, 'listening').pipe(
      take(1),
      map(() => worker),
      takeUntil(exit$),
    );
  });
}

/** Emits the exit code of `worker` once it has exited. */
function exited(worker: Worker): Observable<number | null> {
  return fromEvent(worker, 'exit', (code: number | null) => code).pipe(take(1));
}

/** Tells `worker` to drain (it stops taking connections at once) and emits once it has exited. */
function retired(worker: Worker): Observable<unknown> {
  return defer(() => {
    workers.delete(worker);
    const exit$ = exited(worker);
    worker.process.kill('SIGTERM');
    return exit$;
  });
}

/** Replaces each current worker in turn: the new one listens before the old one drains. */
function restarted(): Observable<never> {
  return defer(() => {
    console.log('primary: rolling restart');
    const steps = [...workers].map((old) =>
      started().pipe(
        concatMap((fresh) => retired(old).pipe(tap(() => console.log(`primary: worker ${old.process.pid} replaced by ${fresh.process.pid}`)))),
      ),
    );
    return concat(...steps).pipe(
      ignoreElements(),
      finalize(() => console.log('primary: restart done')),
    );
  });
}

/** Forwards SIGTERM to every worker and completes once all have exited; a second SIGINT forces them. */
function stopped(stop$: Observable<NodeJS.Signals>): Observable<never> {
  return defer(() => {
    console.log(`primary: stopping ${workers.size} workers`);
    const all = [...workers];
    all.forEach((worker) => worker.process.kill('SIGTERM'));
    const forcing$ = stop$.pipe(
      filter((signal) => signal === 'SIGINT'),
      tap(() => all.forEach((worker) => worker.process.kill('SIGINT'))),
      ignoreElements(),
    );
    if (all.length === 0) return EMPTY;
    return merge(forkJoin(all.map(exited)), forcing$).pipe(take(1), ignoreElements());
  });
}

fromSignals('SIGHUP', 'SIGINT', 'SIGTERM')
  .pipe(
    connect((signals$) => {
      const stop$ = signals$.pipe(filter((signal) => signal !== 'SIGHUP'));
      return concat(
        // Until the first SIGTERM/SIGINT (even during the start): start, then each SIGHUP
        // restarts; one during the start or a restart is ignored.
        concat(
          forkJoin(Array.from({ length: size }, () => started())).pipe(
            tap((all) => console.log(`primary ${process.pid}: ${all.length} workers listening`)),
            ignoreElements(),
          ),
          signals$.pipe(
            filter((signal) => signal === 'SIGHUP'),
            exhaustMap(() => restarted()),
          ),
        ).pipe(takeUntil(stop$)),
        stopped(stop$),
      );
    }),
  )
  .subscribe({
    complete: () => {
      console.log(`primary: all workers exited${ungraceful ? `, ${ungraceful} not gracefully` : ''}`);
      process.exitCode = ungraceful ? 1 : 0;
    },
  });
