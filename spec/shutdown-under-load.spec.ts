import { expect } from 'chai';
import { Agent, type ClientRequest, request } from 'node:http';
import { Subject, map, timer } from 'rxjs';
import { tcpHandlesLeft, start, type TestServer } from './support/harness.js';

/** What a client saw: whole answers, and each failure by kind. */
interface Seen {
  answered: number;
  refused: number;
  resetOnReusedConnection: number;
  other: string[];
}

function getWhole(req: ClientRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.complete && body === 'whole' ? resolve() : reject(new Error(`truncated: ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('shutdown under load (end to end, a short version of stress/shutdown-under-load.ts)', () => {
  const CONNECTIONS = 20;
  const ROUNDS = 3;
  let server: TestServer | undefined;
  let agent: Agent | undefined;

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    agent?.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  for (const idleGrace of [0, 1_000]) {
    const rule = idleGrace
      ? 'the client sees only whole answers and refused connections'
      : 'the client sees only whole answers, refused connections, and resets of requests the server never began (the keep-alive race)';
    it(`answers every request it began, in full, when shut down under keep-alive load (idleGrace ${idleGrace}): ${rule}`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const shutdown$ = new Subject<void>();
        let begun = 0;
        server = await start({
          handler: () => (begun++, timer(round).pipe(map(() => ({ body: 'whole' })))),
          shutdown$,
          idleGrace,
        });
        agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
        const seen: Seen = { answered: 0, refused: 0, resetOnReusedConnection: 0, other: [] };
        // Shut down once the load is established (each connection accepted and answered: a
        // connection still in the listen backlog when the listener closes is reset, not
        // refused), at a different number of answers each round.
        const shutdownAt = CONNECTIONS * (2 + round);
        let warm = 0;
        let shuttingDown = false;
        const loop = async (): Promise<void> => {
          for (let n = 0; n < 10_000; n++) {
            const req = request({ host: '127.0.0.1', port: server!.port, path: '/', agent });
            try {
              await getWhole(req);
              seen.answered++;
              if (n === 0) warm++;
              // Once only: a second shutdown$ emission would force the close.
              if (!shuttingDown && warm === CONNECTIONS && seen.answered >= shutdownAt) {
                shuttingDown = true;
                shutdown$.next();
              }
            } catch (error) {
              const { code, message } = error as NodeJS.ErrnoException;
              if (code === 'ECONNREFUSED') seen.refused++;
              else if (req.reusedSocket && (code === 'ECONNRESET' || message === 'socket hang up')) seen.resetOnReusedConnection++;
              else seen.other.push(code ?? message);
              return;
            }
          }
        };
        await Promise.all(Array.from({ length: CONNECTIONS }, loop));
        const closed = await server.next('closed');
        expect(seen.answered, 'every request the server began was answered in full').to.equal(begun);
        expect(seen.other).to.deep.equal([]);
        expect(seen.refused + seen.resetOnReusedConnection, 'each connection ended refused or reset').to.equal(CONNECTIONS);
        if (idleGrace) expect(seen.resetOnReusedConnection, 'none lost to the keep-alive race').to.equal(0);
        expect(closed).to.include({ graceful: true, forced: 0 });
        agent.destroy();
        server.subscription.unsubscribe();
      }
    });
  }
});
