/**
 * Slow clients (issue 7, item 7): 1,000 slowloris connections (a request head trickled a
 * byte at a time, never finished) cannot delay `closed` past the deadline, and do not stop
 * normal clients from being served before shutdown.
 *
 *   node --import tsx stress/slowloris.ts [--rounds=3] [--slow=1000] [--normal=100] [--deadline=2000]
 *
 * Server and slowloris client are separate child processes; the normal requests come from
 * this process. Exits 1 when a round breaks the rule (`closed` later than the deadline plus
 * `--slack` ms, 250 by default: the machine is shared, the event loop busy destroying).
 */
import { type Socket, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';
import { type Message, fromParent, spawnNode, toParent } from '../bench/support/child.js';
import { buildDist } from '../bench/support/build.js';
import { fixed, flag, median, table } from '../bench/support/stats.js';

async function main(): Promise<void> {
  buildDist();
  const rounds = flag('rounds', 3);
  const slow = flag('slow', 1000);
  const normal = flag('normal', 100);
  const deadline = flag('deadline', 2000);
  const slack = flag('slack', 250);
  const rows: Array<Array<string | number>> = [];
  const closedMs: number[] = [];
  let broken = 0;
  for (let round = 0; round < rounds; round++) {
    const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind: 'rxserve', deadline })], { fdLimit: 'max' });
    const loris = spawnNode(fileURLToPath(import.meta.url), ['client'], { fdLimit: 'max' });
    try {
      const { port } = await server.next<Message & { port: number }>('listening');
      loris.send({ type: 'attack', port, connections: slow });
      const { open } = await loris.next<Message & { open: number }>('ready');
      const agent = new Agent({ keepAlive: true, maxSockets: 10 });
      const served = (await Promise.all(Array.from({ length: normal }, () => get(agent, port)))).filter((status) => status === 200).length;
      agent.destroy();
      server.send({ type: 'shutdown' });
      const closed = await server.next<Message & { ms: number; graceful: boolean; drained: number; forced: number }>('closed', deadline + 30_000);
      const { cut } = await loris.next<Message & { cut: number }>('cut');
      closedMs.push(closed.ms);
      const ok = served === normal && closed.ms <= deadline + slack && closed.forced >= open;
      if (!ok) broken++;
      rows.push([round + 1, open, `${served}/${normal}`, fixed(closed.ms), closed.forced, closed.drained, cut, ok ? 'yes' : 'NO']);
    } finally {
      await Promise.all([server.kill(), loris.kill()]);
    }
  }
  console.log(`\n### Slowloris: ${slow} slow connections, deadline ${deadline} ms, ${rounds} rounds (median closed ${fixed(median(closedMs))} ms)\n`);
  console.log(table(['round', 'slow connections open', 'normal requests served', 'closed after shutdown (ms)', 'forced', 'drained', 'slow connections cut', `within deadline + ${slack} ms`], rows));
  if (broken > 0) process.exitCode = 1;
}

/** The slowloris child: opens connections and trickles a never-ending request head. */
function client(): void {
  const sockets = new Set<Socket>();
  let cut = 0;
  let trickle: NodeJS.Timeout | undefined;
  fromParent(async (message) => {
    if (message.type !== 'attack') return;
    const { port, connections } = message as Message & { port: number; connections: number };
    // In batches, so the listen backlog never overflows (a SYN retry costs a second).
    for (let i = 0; i < connections; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, connections - i) }, () =>
          new Promise<void>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
              resolve();
            });
            socket.on('error', () => undefined);
            socket.once('close', () => {
              sockets.delete(socket);
              cut++;
              if (sockets.size === 0) {
                clearInterval(trickle);
                toParent({ type: 'cut', cut });
              }
            });
            sockets.add(socket);
          }),
        ),
      );
    }
    // A byte a second each: slow enough never to finish, bounded by the server's deadline.
    trickle = setInterval(() => {
      for (const socket of sockets) socket.write('a');
    }, 1000);
    toParent({ type: 'ready', open: sockets.size });
  });
}

function get(agent: Agent, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

if (process.argv[2] === 'client') client();
else await main();
