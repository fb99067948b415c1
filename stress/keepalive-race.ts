/**
 * The keep-alive race (issue 7, item 6): requests written onto idle keep-alive connections
 * around the moment the server closes them. A client that does not retry (node's
 * http.Agent) sees ECONNRESET / "socket hang up" for each one lost.
 *
 *   node --import tsx stress/keepalive-race.ts [--rounds=10] [--requests=40] [--spread=6] [--grace=100]
 *
 * Each round: a fresh server child; a client child (separate process) opens `requests`
 * keep-alive connections and lets them go idle; then the client writes one request per
 * connection, spread over `spread` ms, while the server is told to shut down half-way.
 * A request is answered (a whole 200), refused (ECONNREFUSED: a new connection, which a
 * client knows was never sent) or lost (reset or hang-up on a connection it was sent on).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Message, fromParent, spawnNode, toParent } from '../bench/support/child.js';
import { buildDist } from '../bench/support/build.js';
import type { ServerConfig } from '../bench/support/server.js';
import { flag, rotate, sleep, table } from '../bench/support/stats.js';

interface Outcome {
  answered: number;
  closeHeader: number;
  refused: number;
  lost: number;
  other: number;
}

async function main(): Promise<void> {
  buildDist();
  const rounds = flag('rounds', 10);
  const requests = flag('requests', 40);
  const spread = flag('spread', 6);
  const grace = flag('grace', 100);
  const subjects: Array<[string, ServerConfig]> = [
    ['node close()', { kind: 'node' }],
    ['fastify close()', { kind: 'fastify' }],
    ['http-terminator', { kind: 'http-terminator' }],
    ['stoppable', { kind: 'stoppable' }],
    ['rxserve', { kind: 'rxserve' }],
    [`rxserve idleGrace ${grace} ms`, { kind: 'rxserve', idleGrace: grace }],
  ];
  const totals = new Map(subjects.map(([name]) => [name, { answered: 0, closeHeader: 0, refused: 0, lost: 0, other: 0 }]));
  const client = spawnNode(fileURLToPath(import.meta.url), ['client']);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, config] of rotate(subjects, round)) {
        const server = spawnNode('bench/support/server.ts', [JSON.stringify(config)]);
        try {
          const { port } = await server.next<Message & { port: number }>('listening');
          client.send({ type: 'prepare', port, requests });
          await client.next('ready');
          client.send({ type: 'fire', spread });
          // Half-way through the client's writes (IPC takes about as long both ways).
          await sleep(spread / 2);
          server.send({ type: 'shutdown' });
          const outcome = await client.next<Message & Outcome>('outcome');
          await server.next('closed', 30_000);
          const total = totals.get(name)!;
          for (const key of ['answered', 'closeHeader', 'refused', 'lost', 'other'] as const) total[key] += outcome[key];
        } finally {
          await server.kill();
        }
      }
    }
  } finally {
    await client.kill();
  }
  console.log(`\n### Keep-alive race: ${rounds} rounds x ${requests} requests written within ${spread} ms of shutdown (node http.Agent, no retry)\n`);
  console.log(
    table(
      ['server', 'requests', 'answered (of which Connection: close)', 'refused (never sent)', 'lost (reset / hang up)', 'lost %', 'other errors'],
      subjects.map(([name]) => {
        const t = totals.get(name)!;
        const all = t.answered + t.refused + t.lost + t.other;
        return [name, all, `${t.answered} (${t.closeHeader})`, t.refused, t.lost, ((100 * t.lost) / all).toFixed(1), t.other];
      }),
    ),
  );
}

/** The client child: opens idle keep-alive connections, then fires one request on each. */
function client(): void {
  let agent: Agent | undefined;
  let port = 0;
  let requests = 0;
  fromParent((message) => {
    if (message.type === 'prepare') {
      agent?.destroy();
      agent = new Agent({ keepAlive: true, maxSockets: Infinity });
      port = message.port as number;
      requests = message.requests as number;
      void Promise.all(Array.from({ length: requests }, () => get(agent!, port))).then(() => toParent({ type: 'ready' }));
    } else if (message.type === 'fire') {
      void fire(agent!, port, requests, message.spread as number).then((outcome) => toParent({ type: 'outcome', ...outcome }));
    }
  });
}

async function fire(agent: Agent, port: number, requests: number, spread: number): Promise<Outcome> {
  const outcome: Outcome = { answered: 0, closeHeader: 0, refused: 0, lost: 0, other: 0 };
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < requests; i++) {
    // Sub-millisecond spacing without blocking the loop: timers only have 1 ms steps.
    while (performance.now() - start < (i * spread) / requests) await new Promise((resolve) => setImmediate(resolve));
    pending.push(
      get(agent, port).then(
        (closeHeader) => {
          outcome.answered++;
          if (closeHeader) outcome.closeHeader++;
        },
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') outcome.refused++;
          else if (error.code === 'ECONNRESET' || error.message === 'socket hang up' || error.code === 'EPIPE') outcome.lost++;
          else outcome.other++;
        },
      ),
    );
  }
  await Promise.all(pending);
  return outcome;
}

/** GET / and read the whole body; resolves with whether the server said `Connection: close`. */
function get(agent: Agent, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (body === 'Hello World!' ? resolve(res.headers.connection === 'close') : reject(new Error(`bad body ${body}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

if (process.argv[2] === 'client') client();
else await main();
