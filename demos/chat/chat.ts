// The chat demo's server: the page at `/`, the room at `ws://.../chat?name=...`.
import { readFileSync } from 'node:fs';
import { type Observable, Subject, ignoreElements, map, merge, tap } from 'rxjs';
import { type ServeOptions, type ServerEvent, type WebSocketHandler, serve } from '../../lib/index.js';

const page = readFileSync(new URL('./index.html', import.meta.url));

/** A line said in the room. */
interface Said {
  readonly from: string;
  readonly text: string;
}

/**
 * A chat server: everyone connected to `/chat` hears everything said there. On shutdown
 * every browser gets a 1001 close frame (the page shows "server going away (1001)") and
 * reconnects on its own once a server is back.
 */
export function chatServer(options: Pick<ServeOptions, 'port' | 'host' | 'shutdown$' | 'deadline'>): Observable<ServerEvent> {
  const room = new Subject<Said>();
  const chat: WebSocketHandler = (messages$, ctx) => {
    const from = new URL(ctx.request.url ?? '/', 'http://localhost').searchParams.get('name') || 'anonymous';
    return merge(
      room.pipe(map((said) => JSON.stringify(said))),
      messages$.pipe(
        tap((text) => room.next({ from, text: String(text).slice(0, 500) })),
        ignoreElements(),
      ),
    );
  };
  return serve({
    ...options,
    handler: () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: page }),
    websocket: { '/chat': chat },
  });
}
