/**
 * A WebSocket echo server for bench/ws-echo.ts, one kind a process: `ws` (a bare `ws`
 * WebSocketServer) or `rxserve` (`websocket: (messages$) => messages$`, from the compiled
 * `dist/`). Prints its port and serves until killed.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

// An exit of its own on SIGINT, so that a --cpu-prof run writes its profile.
process.on('SIGINT', () => process.exit(0));
const kind = process.argv[2];

if (kind === 'ws') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  wss.on('listening', () => console.log((wss.address() as AddressInfo).port));
} else if (kind === 'rxserve') {
  const { serve } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../lib/index.js');
  serve({ host: '127.0.0.1', port: 0, handler: () => ({ status: 404 }), websocket: (messages$) => messages$ }).subscribe(
    (event) => event.type === 'listening' && console.log(event.address.port),
  );
} else {
  console.error('usage: ws-echo-server.ts ws|rxserve');
  process.exit(2);
}
