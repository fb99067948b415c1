import { expect } from 'chai';
import { NEVER, finalize } from 'rxjs';
import { heldReply } from './support/held-reply.js';
import { parseResponses, pipelinedGets } from './support/http1-wire.js';
import { closeEverything, raw, start } from './support/harness.js';

// Several requests written at once on one keep-alive connection (HTTP/1.1 pipelining, RFC
// 9112 §9.3.2): node parses them all and runs every handler, but answers them in order, and
// it ends the socket after the first response that says `Connection: close`.
describe('pipelined HTTP/1.1 requests across a shutdown', () => {
  afterEach(closeEverything);

  it('answers every request in flight at the accept stop in full, with Connection: close on the last only', async () => {
    const held = heldReply('answer', { echoUrl: true });
    const server = await start({ handler: held.handler });
    const client = await raw(server.port);
    client.socket.write(pipelinedGets(3));
    await held.reached(3);

    server.shutdown();
    held.release();

    const responses = parseResponses(await client.closed);
    expect(responses.map((r) => r.body)).to.deep.equal(['answer /1', 'answer /2', 'answer /3']);
    expect(responses.map((r) => r.headers['connection'])).to.deep.equal(['keep-alive', 'keep-alive', 'close']);
    expect(await server.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
  });

  it('answers every request that arrives during drainDelay in full, with Connection: close on the last only', async () => {
    const held = heldReply('answer', { echoUrl: true });
    const server = await start({ handler: held.handler, drainDelay: 30_000, deadline: 60_000 });
    const client = await raw(server.port);
    server.shutdown();
    client.socket.write(pipelinedGets(3));
    await held.reached(3);

    held.release();

    const responses = parseResponses(await client.closed);
    expect(responses.map((r) => r.body)).to.deep.equal(['answer /1', 'answer /2', 'answer /3']);
    expect(responses.map((r) => r.headers['connection'])).to.deep.equal(['keep-alive', 'keep-alive', 'close']);
  });

  it('does not process a request that comes after the response that said Connection: close (RFC 9112 §9.6)', async () => {
    const held = heldReply('held');
    const server = await start({
      handler: (req, ctx) => (req.url === '/1' ? { body: 'at once' } : held.handler(req, ctx)),
      drainDelay: 30_000,
      deadline: 60_000,
    });
    const client = await raw(server.port);
    server.shutdown();
    await server.next('stopping');
    // /1 is answered, with Connection: close, before node's parser reaches /2.
    client.socket.write(pipelinedGets(2));

    const responses = parseResponses(await client.closed);
    expect(responses.map((r) => [r.body, r.headers['connection']])).to.deep.equal([['at once', 'close']]);
    expect(held.served).to.deep.equal([]);
  });

  it('lists every pipelined request in overdue when the deadline forces the connection', async () => {
    const held = heldReply('never sent');
    const server = await start({ handler: held.handler, deadline: 50 });
    const client = await raw(server.port);
    client.socket.write(pipelinedGets(3));
    await held.reached(3);

    server.shutdown();

    const overdue = await server.next('overdue');
    expect(overdue.connections.map((c) => c.requests.map((r) => r.url))).to.deep.equal([['/1', '/2', '/3']]);
    expect(await server.closed).to.deep.include({ graceful: false, drained: 0, forced: 1 });
    await client.closed;
  });
});

describe('pipelined HTTP/1.1 requests whose client goes away', () => {
  afterEach(closeEverything);

  it('unsubscribes every handler, the one queued behind another included, when the connection closes', async () => {
    const finalized: string[] = [];
    let bothFinalized!: () => void;
    const done = new Promise<void>((resolve) => (bothFinalized = resolve));
    const arrivals = heldReply('unused');
    const server = await start({
      handler: (req, ctx) => {
        void arrivals.handler(req, ctx);
        return NEVER.pipe(
          finalize(() => {
            if (finalized.push(req.url ?? '') === 2) bothFinalized();
          }),
        );
      },
    });
    const client = await raw(server.port);
    client.socket.write(pipelinedGets(2));
    await arrivals.reached(2);

    client.socket.resetAndDestroy();

    await done;
    expect(finalized).to.have.members(['/1', '/2']);
  });
});
