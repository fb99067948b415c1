// The load of bench/ws-echo.ts (and bench/instructions.ts), one window a process (pinned by
// the caller): `clients` WebSockets to `url`, each sending a 64-byte message and the next one
// as soon as the echo comes back, for `seconds`, or, given `messages`, until that many echoes
// have come back in all. Prints {"requests": <echoes received>} and exits.
//
//   node bench/support/ws-echo-load.mjs ws://127.0.0.1:3000/ 50 3
//   node bench/support/ws-echo-load.mjs ws://127.0.0.1:3000/ 50 0 10000
import WebSocket from 'ws';

const [url, clients = '50', seconds = '3', messages] = process.argv.slice(2);
const payload = Buffer.alloc(64, 'x');
const goal = messages === undefined ? Infinity : Number(messages);
let echoes = 0;
let sent = 0;
let running = true;
const send = (ws) => {
  if (!running || sent >= goal) return;
  sent++;
  ws.send(payload);
};
const sockets = await Promise.all(
  Array.from({ length: Number(clients) }, () => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', () => {
      echoes++;
      if (echoes - start >= goal) finish();
      else send(ws);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }),
);
const start = echoes;
const finish = () => {
  if (!running) return;
  running = false;
  console.log(JSON.stringify({ requests: echoes - start }));
  for (const ws of sockets) ws.terminate();
};
for (const ws of sockets) send(ws);
if (messages === undefined) setTimeout(finish, Number(seconds) * 1000);
