import { expect } from 'chai';
import { Subject } from 'rxjs';
import sinon from 'sinon';
import { HTTP2_PEER_TIMEOUT } from '../lib/protocols/http2.js';
import type { ServeOptions, ServerEvent } from '../lib/index.js';
import { certificate } from './support/certificates.js';
import { type Child, start as startChild } from './support/child.js';
import { heldReply } from './support/held-reply.js';
import { FrameType, PREFACE, RawH2Client, goawayOf } from './support/raw-h2.js';
import { type TestServer, tcpHandlesLeft, start as startServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

const { key, cert } = certificate();

// An HTTP/2 peer that goes silent must not hold a drain to the deadline: node's
// session.close() ends the socket, then waits for the peer with no timer.
const transports: Array<{ name: string; options: Partial<ServeOptions>; tls?: { ca: Buffer } }> = [
  { name: 'h2c', options: { protocol: 'http2' } },
  { name: "protocol: 'auto'", options: { protocol: 'auto' } },
  { name: 'TLS (h2 by ALPN)', options: { protocol: 'auto', tls: { key, cert } }, tls: { ca: cert } },
];

for (const transport of transports) {
  describe(`an HTTP/2 peer that goes silent, over ${transport.name}`, () => {
    let server: TestServer | undefined;
    let shutdown$: Subject<void>;
    let raws: RawH2Client[];
    let children: Child[];
    let clock: sinon.SinonFakeTimers | undefined;

    beforeEach(() => {
      shutdown$ = new Subject();
      raws = [];
      children = [];
    });

    afterEach(async () => {
      clock?.restore();
      clock = undefined;
      server?.subscription.unsubscribe();
      server = undefined;
      await Promise.all(raws.map((raw) => raw.destroy()));
      for (const child of children) child.process.kill('SIGKILL');
      await Promise.all(children.map((child) => child.exited()));
      expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
    });

    const start = async (options: Partial<ServeOptions> = {}): Promise<TestServer> =>
      (server = await startServer({ handler: () => ({ body: 'hi' }), shutdown$, deadline: 10_000, ...transport.options, ...options }));
    const silentClient = async (port: number, preface?: Buffer): Promise<RawH2Client> => {
      const client = await RawH2Client.connect(port, preface, { silent: true, tls: transport.tls });
      raws.push(client);
      return client;
    };
    /** Whether server$ has said `closed`, after the turns it takes for a close to be heard. */
    const hasClosed = async (events: ServerEvent[]): Promise<boolean> => {
      for (let turn = 0; turn < 3; turn++) await new Promise(setImmediate);
      return events.some((event) => event.type === 'closed');
    };

    for (const [what, preface] of [
      ['sent its preface and SETTINGS', undefined],
      ['sent its preface without SETTINGS', PREFACE],
    ] as const) {
      it(`closes an idle session whose client ${what} and then nothing, HTTP2_PEER_TIMEOUT after the final GOAWAY, as drained`, async () => {
        clock = fakeTimers();
        const { port, events$ } = await start();
        const seen: ServerEvent[] = [];
        events$.subscribe((event) => seen.push(event));
        const client = await silentClient(port, preface);
        // The server's own SETTINGS: its session is up.
        await client.next(FrameType.SETTINGS);

        shutdown$.next();
        const goaway = goawayOf(await client.next(FrameType.GOAWAY));
        await client.ended;
        clock!.tick(HTTP2_PEER_TIMEOUT - 1);
        const closedEarly = await hasClosed(seen);
        clock!.tick(1);

        expect(goaway).to.deep.equal({ lastStreamId: 0, errorCode: 0 });
        expect(closedEarly, 'closed before HTTP2_PEER_TIMEOUT').to.equal(false);
        expect(await server!.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      });
    }

    it('sends the final GOAWAY HTTP2_PEER_TIMEOUT after a PING the client never acknowledges, and finishes its open stream', async () => {
      clock = fakeTimers();
      const held = heldReply('held');
      const { port } = await start({ handler: held.handler });
      const client = await silentClient(port);
      await client.next(FrameType.SETTINGS);
      client.request(1, '/held');
      await held.arrived;

      shutdown$.next();
      expect(goawayOf(await client.next(FrameType.GOAWAY)).lastStreamId).to.equal(2 ** 31 - 1);
      await client.next(FrameType.PING);
      clock!.tick(HTTP2_PEER_TIMEOUT);
      const final = goawayOf(await client.next(FrameType.GOAWAY));
      held.release();
      const body = await client.body(1);
      await client.ended;
      clock!.tick(HTTP2_PEER_TIMEOUT);

      expect(final).to.deep.equal({ lastStreamId: 1, errorCode: 0 });
      expect(body).to.equal('held');
      expect(await server!.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('closes as drained the idle session of a real client whose process is frozen, without waiting for the deadline', async () => {
      const { url } = await start({ deadline: 60_000 });
      const child = startChild(process.execPath, ['spec/fixtures/h2-idle-client.mjs', url], transport.tls ? { CA_PEM: cert.toString() } : {});
      children.push(child);
      await child.waitFor(/ready/);
      child.process.kill('SIGSTOP');

      shutdown$.next();

      expect(await server!.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });
  });
}
