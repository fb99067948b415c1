// Served from the packed tarball: the main entry point, with its types.
import { GracefulShutdown, type ServerEvent, fromSignals, serve } from 'rxserve';
import { Subject, lastValueFrom, tap, toArray } from 'rxjs';

const stop = new Subject<void>();
const events = await lastValueFrom(
  serve({ port: 0, host: '127.0.0.1', handler: () => ({ body: 'from the tarball' }), shutdown$: stop }).pipe(
    tap(async (event: ServerEvent) => {
      if (event.type !== 'listening') return;
      const res = await fetch(event.url);
      console.log(await res.text());
      stop.next();
    }),
    toArray(),
  ),
);
console.log(events.map((event) => event.type).join(','));
console.log(typeof fromSignals, new GracefulShutdown().count);

try {
  // @ts-expect-error: the types are real, so a port given as a string is refused.
  serve({ port: '3000', handler: () => ({}) });
} catch (error) {
  console.log((error as { code: string }).code);
}
