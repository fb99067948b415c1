import { type ClientRequest, Agent, type IncomingMessage, request } from 'node:http';
import { expect } from 'chai';
import { NEVER, Subject, concat, map, of } from 'rxjs';
import { type Handler, type OverdueEvent, type ServeOptions, fromSignals } from '../lib/index.js';
import { tryConnect } from './helpers/try-connect.js';
import { fakeTimers } from './support/fake-timers.js';
import { closeEverything, start as startServer } from './support/harness.js';

// Graceful shutdown across real connections on 127.0.0.1, end to end: what the README's
// comparison table claims for rxserve is shown here.
describe('graceful shutdown, end to end', function () {
  // A fail-fast bound, not a wait: node's own keepAliveTimeout (5 s) would close an idle
  // connection too, so "at once" and "right after" are shown by finishing well before it.
  this.timeout(4_000);
  let agent: Agent;
  let signalListeners: number;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
    signalListeners = process.listenerCount('SIGTERM');
  });

  afterEach(async () => {
    agent.destroy();
    await closeEverything();
    expect(process.listenerCount('SIGTERM')).to.equal(signalListeners);
  });

  /** Serves `handler` on 127.0.0.1:0 through the spec harness and resolves once listening. */
  async function start(handler: Handler, options: Pick<ServeOptions, 'deadline' | 'shutdown$'>) {
    const server = await startServer({ handler, deadline: 60_000, ...options });
    return { events: server.events, closed: server.closed, port: server.port };
  }

  function get(port: number, path: string): { req: ClientRequest; response: Promise<IncomingMessage> } {
    const req = request({ host: '127.0.0.1', port, path, agent });
    const response = new Promise<IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject));
    req.end();
    return { req, response };
  }

  function body(res: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    });
  }

  /** A handler that tells when a request reached it, and answers with `reply`. */
  function arriving(reply: Handler): { handler: Handler; arrived: Promise<void> } {
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const handler: Handler = (req, ctx) => {
      arrive();
      return reply(req, ctx);
    };
    return { arrived, handler };
  }

  it('stops accepting the moment shutdown begins: a new connect is refused while a request is still in flight', async () => {
    const shutdown$ = new Subject<void>();
    const { handler, arrived } = arriving(() => NEVER);
    const { events, port } = await start(handler, { shutdown$ });
    get(port, '/hangs').response.catch(() => undefined);
    await arrived;
    shutdown$.next();
    const refused = await tryConnect(port);
    expect(refused).to.equal('ECONNREFUSED');
    expect(events.map((event) => event.type)).to.deep.equal(['listening', 'stopping', 'shutdown']);
  });

  it('closes an idle keep-alive connection at once, without any timer firing, and reports it drained', async () => {
    const clock = fakeTimers();
    try {
      const shutdown$ = new Subject<void>();
      const { events, closed, port } = await start(() => ({ body: 'hi' }), { shutdown$ });
      expect(await body(await get(port, '/').response)).to.equal('hi');
      shutdown$.next();
      await closed;
      expect(events.slice(1)).to.deep.equal([
        { type: 'stopping', open: 1 },
        { type: 'shutdown', open: 1 },
        { type: 'remaining', open: 0, byProtocol: {} },
        { type: 'closed', graceful: true, drained: 1, forced: 0 },
      ]);
      expect(clock.countTimers(), 'timers left behind').to.equal(0);
    } finally {
      clock.restore();
    }
  });

  it('lets a request in flight finish after shutdown began, with Connection: close, telling its handler through ctx.draining$', async () => {
    const shutdown$ = new Subject<void>();
    const { handler, arrived } = arriving((req, ctx) => ctx.draining$.pipe(map(() => ({ body: 'done' }))));
    const { events, closed, port } = await start(handler, { shutdown$ });
    const { response } = get(port, '/slow');
    await arrived;
    shutdown$.next();
    const res = await response;
    expect(res.headers.connection).to.equal('close');
    expect(await body(res)).to.equal('done');
    await closed;
    expect(events.at(-1)).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('closes a keep-alive connection right after a response whose head went out before shutdown', async () => {
    const shutdown$ = new Subject<void>();
    const { events, closed, port } = await start(
      (req, ctx) => ({ body: concat(of('head out; '), ctx.draining$.pipe(map(() => 'then the end'))) }),
      { shutdown$ },
    );
    const res = await get(port, '/stream').response;
    expect(res.headers.connection).to.equal('keep-alive');
    shutdown$.next();
    expect(await body(res)).to.equal('head out; then the end');
    await closed;
    expect(events.at(-1)).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('destroys what is left at the deadline, not a millisecond before, and reports it forced', async () => {
    const clock = fakeTimers();
    try {
      const shutdown$ = new Subject<void>();
      const { handler, arrived } = arriving(() => NEVER);
      const { events, closed, port } = await start(handler, { shutdown$, deadline: 5_000 });
      const { req, response } = get(port, '/hangs');
      const hangUp = response.then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await arrived;
      shutdown$.next();
      clock.tick(4_999);
      expect(events.map((event) => event.type)).to.deep.equal(['listening', 'stopping', 'shutdown']);
      clock.tick(1);
      await closed;
      expect(events.slice(1)).to.deep.equal([
        { type: 'stopping', open: 1 },
        { type: 'shutdown', open: 1 },
        {
          type: 'overdue',
          reason: 'deadline',
          connections: [
            {
              protocol: 'http1',
              remote: { address: '127.0.0.1', port: req.socket?.localPort },
              // Date is faked too: the request arrived just before the signal, 5 s ago.
              requests: [{ method: 'GET', url: '/hangs', age: 5_000 }],
            },
          ],
        },
        { type: 'remaining', open: 0, byProtocol: {} },
        { type: 'closed', graceful: false, drained: 0, forced: 1 },
      ]);
      expect(await hangUp).to.equal('ECONNRESET');
    } finally {
      clock.restore();
    }
  });

  it('forces the close at once on a second shutdown$ emission (a second Ctrl+C)', async () => {
    const shutdown$ = new Subject<void>();
    const { handler, arrived } = arriving(() => NEVER);
    const { events, closed, port } = await start(handler, { shutdown$ });
    get(port, '/hangs').response.catch(() => undefined);
    await arrived;
    shutdown$.next();
    shutdown$.next();
    await closed;
    expect(events.map((event) => event.type)).to.deep.equal([
      'listening',
      'stopping',
      'shutdown',
      'overdue',
      'remaining',
      'closed',
    ]);
    const overdue = events[3] as OverdueEvent;
    expect(overdue.reason).to.equal('forced');
    expect(overdue.connections.map(({ protocol, requests }) => [protocol, requests.map((r) => r.url)])).to.deep.equal([
      ['http1', ['/hangs']],
    ]);
    expect(events.slice(4)).to.deep.equal([
      { type: 'remaining', open: 0, byProtocol: {} },
      { type: 'closed', graceful: false, drained: 0, forced: 1 },
    ]);
  });

  it('shuts down on SIGTERM through fromSignals, and leaves no signal listener behind', async () => {
    const { events, closed } = await start(() => ({ body: 'hi' }), { shutdown$: fromSignals('SIGTERM') });
    expect(process.listenerCount('SIGTERM')).to.equal(signalListeners + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await closed;
    expect(events.at(-1)).to.deep.equal({ type: 'closed', graceful: true, drained: 0, forced: 0 });
  });
});
