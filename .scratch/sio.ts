import { createServer, get } from 'node:http';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { exitOnClose, serve, shutdownSignals } from '../lib/index.js';
import { tap } from 'rxjs';

const httpServer = createServer((req, res) => {
  if (req.url === '/report') {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => res.end('finished while draining'), 50);
  }
});
const io = new Server(httpServer);
io.on('connection', (socket) => socket.emit('hello'));

serve({ server: httpServer, port: 0, shutdown$: shutdownSignals(), deadline: 10_000 })
  .pipe(tap((event) => event.type === 'shutdown' && io.close()), exitOnClose())
  .subscribe(async (event) => {
    console.log(event.type, JSON.stringify(event).slice(0, 150));
    if (event.type === 'listening') clients = tryIt(event.url);
    if (event.type === 'closed') console.log(`${await clients}\nclosed: graceful ${event.graceful}, drained ${event.drained}`);
  });

let clients: Promise<string>;
async function tryIt(url: string): Promise<string> {
  const results: Promise<string>[] = [];
  for (const transport of ['websocket', 'polling'] as const) {
    const socket = connect(url, { transports: [transport], reconnection: false });
    await new Promise((resolve) => socket.once('hello', resolve));
    results.push(new Promise((resolve) => socket.once('disconnect', (reason) => resolve(`${transport}: ${reason}`))));
  }
  results.unshift(new Promise<string>((resolve) =>
    get(`${url}/report`, (res) => res.resume().on('end', () => resolve(`request: ${res.statusCode}, connection: ${res.headers.connection}`))),
  ));
  return (await Promise.all(results)).join('\n');
}
