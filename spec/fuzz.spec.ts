import { expect } from 'chai';
import { Agent } from 'node:http';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { type FuzzKind, fuzzInput, prng } from './support/fuzz-inputs.js';
import { sendRaw } from './support/probe.js';
import { get, tcpHandlesLeft, start, type TestServer } from './support/harness.js';

describe('fuzz (malformed and random requests, end to end)', () => {
  const INPUTS = 400;
  let server: TestServer | undefined;
  let agent: Agent;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('closes or answers every connection, reports bad input as error events, and keeps serving', async () => {
    server = await start({ handler: () => ({ body: 'fine' }) });
    const random = prng(7);
    const inputs = Array.from({ length: INPUTS }, () => fuzzInput(random));
    const outcomes = await lastValueFrom(
      from(inputs).pipe(
        mergeMap(async ({ kind, bytes }) => ({ kind, ...(await sendRaw(server!.port, bytes)) }), 20),
        toArray(),
      ),
    );
    // Each outcome is there because its connection closed: none was left hanging.
    expect(outcomes).to.have.length(INPUTS);
    const statusOf = (kind: FuzzKind): Set<string | undefined> =>
      new Set(outcomes.filter((o) => o.kind === kind).map((o) => o.statusLine));
    expect([...statusOf('valid request')]).to.deep.equal(['HTTP/1.1 200 OK']);
    expect([...statusOf('oversized head')]).to.deep.equal(['HTTP/1.1 431 Request Header Fields Too Large']);
    expect((await get(server.url, { agent })).body).to.equal('fine');
    server.subscription.unsubscribe();
    server.events$.complete();
    const events = await server.all();
    const clientErrors = events.filter((e) => e.type === 'error' && e.error.code === 'ERR_RXSERVE_CLIENT');
    expect(clientErrors.length, 'bad input is reported').to.be.greaterThan(0);
    expect(events.filter((e) => e.type === 'error' && e.error.code !== 'ERR_RXSERVE_CLIENT')).to.deep.equal([]);
  });
});
