/**
 * Shutdown under load (issue 7, item 5): a keep-alive client load runs while the server is
 * shut down at a random moment. Every request the server began must be answered in full;
 * the client may see refused connections, and, without `idleGrace`, requests lost to the
 * keep-alive race (never begun by the server: see stress/keepalive-race.ts) — nothing else.
 *
 *   node --import tsx stress/shutdown-under-load.ts [--rounds=50] [--connections=100] [--grace=100]
 *
 * Server and client are separate child processes; each round is bounded (the client stops
 * after 10 s whatever happens). Exits 1 when a round breaks the rule.
 */
import { Agent, type ClientRequest, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Message, fromParent, spawnNode, toParent } from '../bench/support/child.js';
import { buildDist } from '../bench/support/build.js';
import { flag, sleep, table } from '../bench/support/stats.js';

interface Load {
  answered: number;
  refused: number;
  /** Reset or hang-up on a reused keep-alive connection: the keep-alive race. */
  lost: number;
  /** Reset on a new connection: it was still in the listen backlog when the listener closed. */
  backlog: number;
  other: string[];
}

const BODY = 'Hello World!';

async function main(): Promise<void> {
  buildDist();
  const rounds = flag('rounds', 50);
  const connections = flag('connections', 100);
  const grace = flag('grace', 100);
  const rows: Array<Array<string | number>> = [];
  let broken = 0;
  const client = spawnNode(fileURLToPath(import.meta.url), ['client']);
  try {
    for (const idleGrace of [0, grace]) {
      const sum = { begun: 0, answered: 0, refused: 0, lost: 0, backlog: 0, other: 0, forced: 0, maxMs: 0 };
      for (let round = 0; round < rounds; round++) {
        // Replies take 0-4 ms, so some requests are always in flight at shutdown.
        const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind: 'rxserve', delay: round % 5, idleGrace })]);
        try {
          const { port } = await server.next<Message & { port: number }>('listening');
          client.send({ type: 'load', port, connections });
          await client.next('started');
          await sleep(Math.random() * 200);
          server.send({ type: 'shutdown' });
          const closed = await server.next<Message & { ms: number; forced: number }>('closed', 30_000);
          const load = await client.next<Message & Load>('done', 30_000);
          server.send({ type: 'stats' });
          const { begun } = await server.next<Message & { begun: number }>('stats');
          const ok = load.answered === begun && load.other.length === 0 && load.backlog === 0 && (idleGrace === 0 || load.lost === 0);
          if (!ok) {
            broken++;
            console.error(`round ${round} (idleGrace ${idleGrace}): begun ${begun}, answered ${load.answered}, lost ${load.lost}, reset in backlog ${load.backlog}, other ${load.other.join(', ')}`);
          }
          sum.begun += begun;
          sum.answered += load.answered;
          sum.refused += load.refused;
          sum.lost += load.lost;
          sum.backlog += load.backlog;
          sum.other += load.other.length;
          sum.forced += closed.forced;
          sum.maxMs = Math.max(sum.maxMs, closed.ms);
        } finally {
          await server.kill();
        }
      }
      rows.push([
        `rxserve idleGrace ${idleGrace}`,
        rounds,
        sum.begun,
        sum.answered,
        sum.begun - sum.answered,
        sum.refused,
        sum.lost,
        sum.backlog,
        sum.other,
        sum.forced,
        sum.maxMs.toFixed(1),
      ]);
    }
  } finally {
    await client.kill();
  }
  console.log(`\n### Shutdown under load: ${connections} keep-alive connections (node http.Agent), shutdown 0-200 ms after every connection was answered once, ${rounds} rounds\n`);
  console.log(
    table(
      ['server', 'rounds', 'begun by server', 'answered in full', 'begun, not answered', 'refused', 'lost to the keep-alive race', 'reset in the listen backlog', 'other errors', 'forced', 'slowest closed (ms)'],
      rows,
    ),
  );
  console.log(broken === 0 ? '\nEvery round kept the rule.' : `\n${broken} round(s) broke the rule.`);
  if (broken > 0) process.exitCode = 1;
}

/** The client child: `connections` loops of keep-alive GETs until each meets an error. */
function client(): void {
  fromParent((message) => {
    if (message.type !== 'load') return;
    const agent = new Agent({ keepAlive: true, maxSockets: message.connections as number });
    const load: Load = { answered: 0, refused: 0, lost: 0, backlog: 0, other: [] };
    const stopAt = Date.now() + 10_000;
    let warm = 0;
    const loop = async (): Promise<void> => {
      for (let n = 0; Date.now() < stopAt; n++) {
        const req = request({ host: '127.0.0.1', port: message.port as number, path: '/', agent });
        try {
          await get(req);
          load.answered++;
          // Every connection has been accepted and answered once: the load is established.
          if (n === 0 && ++warm === message.connections) toParent({ type: 'started' });
        } catch (error) {
          const { code, message: text } = error as NodeJS.ErrnoException;
          if (code === 'ECONNREFUSED') load.refused++;
          else if (code === 'ECONNRESET' || text === 'socket hang up') load[req.reusedSocket ? 'lost' : 'backlog']++;
          else load.other.push(code ?? text);
          return;
        }
      }
    };
    const loops = Array.from({ length: message.connections as number }, loop);
    void Promise.all(loops).then(() => {
      agent.destroy();
      toParent({ type: 'done', ...load });
    });
  });
}

function get(req: ClientRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.complete && body === BODY ? resolve() : reject(new Error(`truncated: ${JSON.stringify(body)}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

if (process.argv[2] === 'client') client();
else await main();
