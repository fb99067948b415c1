// The load of bench/ws-echo.ts, one window a process (pinned to core 1 by the caller):
// `clients` WebSockets to `url`, each sending a 64-byte message and the next one as soon as
// the echo comes back, for `seconds`. Prints {"requests": <echoes received>} and exits.
//
//   node bench/support/ws-echo-load.mjs ws://127.0.0.1:3000/ 50 3
import WebSocket from 'ws';

const [url, clients = '50', seconds = '3'] = process.argv.slice(2);
const payload = Buffer.alloc(64, 'x');
let echoes = 0;
let running = true;
const sockets = await Promise.all(
  Array.from({ length: Number(clients) }, () => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', () => {
      echoes++;
      if (running) ws.send(payload);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }),
);
const start = echoes;
for (const ws of sockets) ws.send(payload);
setTimeout(() => {
  running = false;
  console.log(JSON.stringify({ requests: echoes - start }));
  for (const ws of sockets) ws.terminate();
}, Number(seconds) * 1000);
