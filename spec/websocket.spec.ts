import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { expect } from 'chai';
import { map } from 'rxjs';
import WebSocket from 'ws';
import { client, closeEverything, closeOf, connected, messages, start } from './support/harness.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const UPGRADE_HEADERS = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** A raw TCP client, destroyed in afterEach; `answer` resolves with all it received once closed. */
const raws = new Set<Socket>();
async function raw(port: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  raws.add(socket);
  socket.on('error', () => undefined);
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  const answer = once(socket, 'close').then(() => data);
  await once(socket, 'connect');
  return { socket, answer };
}

/**
 * A request and its answer over a fresh connection. Client and server share this event
 * loop, so by the time the answer is read the server has read whatever an earlier write
 * put in its sockets: its poll that read this request saw those bytes too.
 */
async function roundTrip(url: string): Promise<void> {
  const response = await fetch(url, { headers: { connection: 'close' } });
  await response.text();
}

/** The status code of a refused handshake, from ws's 'unexpected-response'. */
async function refusal(url: string): Promise<{ status: number; body: string }> {
  const ws = client(url);
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body };
}

describe('websocketUpgrade', () => {
  afterEach(async () => {
    for (const socket of raws) socket.destroy();
    await Promise.all([...raws].map((socket) => (socket.closed ? undefined : once(socket, 'close'))));
    raws.clear();
    await closeEverything();
  });

  describe('upgrade requests that are not served', () => {
    it('answers an upgrade request as a plain request when the server has no websocket option', async () => {
      const server = await start({ handler: () => ({ status: 200, body: 'plain answer' }) });
      expect(await refusal(server.wsUrl)).to.deep.equal({ status: 200, body: 'plain answer' });
    });

    it('refuses with 503, not a reset, an upgrade that arrives after shutdown began', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const { socket, answer } = await raw(server.port);
      // The request has begun, so the connection is not idle and stays open through the
      // shutdown; the rest of it arrives while draining.
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
      await roundTrip(server.url);
      server.shutdown();
      await server.next('shutdown');
      socket.write(UPGRADE_HEADERS);
      expect(await answer).to.match(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(await server.closed).to.include({ graceful: true, forced: 0 });
    });

    it('answers 404 to an upgrade to a path that has no endpoint', async () => {
      const server = await start({ websocket: { '/chat': (messages$) => messages$ } });
      expect((await refusal(`${server.wsUrl}/nowhere`)).status).to.equal(404);
    });

    it('answers 400 to a bad handshake and reports it as an error event', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const { socket, answer } = await raw(server.port);
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      expect(await answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Sec-WebSocket-Key/);
      const event = await server.next('error');
      expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
      expect(event.remote?.address).to.equal('127.0.0.1');
      await connected(server.wsUrl); // and keeps serving
    });
  });

  describe('path routing', () => {
    it('serves more than one WebSocket endpoint on one server, by path, query left out', async () => {
      const server = await start({
        websocket: {
          '/echo': (messages$) => messages$,
          '/shout': (messages$) => messages$.pipe(map((m) => String(m).toUpperCase())),
        },
      });
      const [echo, shout] = await Promise.all([connected(`${server.wsUrl}/echo?room=1`), connected(`${server.wsUrl}/shout`)]);
      echo.send('hi');
      shout.send('hi');
      expect(await messages(echo, 1)).to.deep.equal([['hi', false]]);
      expect(await messages(shout, 1)).to.deep.equal([['HI', false]]);
    });

    it('still answers plain requests on the same server', async () => {
      const server = await start({ websocket: { '/echo': (messages$) => messages$ }, handler: () => ({ body: 'page' }) });
      const response = await fetch(server.url, { headers: { connection: 'close' } });
      expect(await response.text()).to.equal('page');
    });
  });

  describe('bad input after the handshake', () => {
    it('closes with 1009 a message larger than websocket.maxPayload, reports it, and keeps serving', async () => {
      const server = await start({ websocket: { handler: (messages$) => messages$, maxPayload: 1024 } });
      const ws = await connected(server.wsUrl);
      ws.send(Buffer.alloc(1025));
      expect((await closeOf(ws)).code).to.equal(1009);
      const event = await server.next('error');
      expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
      expect(event.error.message).to.contain('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      const next = await connected(server.wsUrl);
      next.send(Buffer.alloc(1024));
      expect((await messages(next, 1))[0]?.[0]).to.have.length(1024);
    });

    it('closes with 1002 a peer that sends garbage frames, and keeps serving', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const { socket, answer } = await raw(server.port);
      socket.write(`GET / HTTP/1.1\r\nHost: localhost\r\n${UPGRADE_HEADERS}`);
      await once(socket, 'data'); // the 101
      socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      const received = Buffer.from(await answer, 'latin1');
      const closeFrame = received.subarray(received.indexOf(0x88));
      expect(closeFrame.readUInt16BE(2)).to.equal(1002);
      expect((await server.next('error')).error.code).to.equal('ERR_RXSERVE_CLIENT');
      const ws = await connected(server.wsUrl);
      expect(ws.readyState).to.equal(WebSocket.OPEN);
    });
  });
});
