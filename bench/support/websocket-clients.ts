// The client side of bench/websocket.ts, in its own process so the server's figures are
// the server's alone. Told over IPC to open `count` idle WebSockets to `url`; answers
// once all are open, and again once all are closed, with their close codes.
import { once } from 'node:events';
import WebSocket from 'ws';

export type ClientsCommand = { readonly type: 'open'; readonly url: string; readonly count: number };
export type ClientsReport =
  | { readonly type: 'opened'; readonly ms: number }
  | { readonly type: 'closed'; readonly codes: Record<number, number> };

const CONCURRENCY = 200; // handshakes in flight at once: well under the listen backlog (511)

process.on('message', (command: ClientsCommand) => {
  if (command.type === 'open') void openAll(command.url, command.count);
});

async function openAll(url: string, count: number): Promise<void> {
  const codes: Record<number, number> = {};
  let closed = 0;
  let started = 0;
  const begin = performance.now();
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('error', (error) => console.error(`client: ${error.message}`));
      ws.on('close', (code: number) => {
        codes[code] = (codes[code] ?? 0) + 1;
        if (++closed === count) send({ type: 'closed', codes });
      });
      await once(ws, 'open');
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  send({ type: 'opened', ms: performance.now() - begin });
}

function send(report: ClientsReport): void {
  process.send?.(report);
}
