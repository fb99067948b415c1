import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { filter, firstValueFrom } from 'rxjs';
import { request } from 'undici';
import { serve } from '../lib/index.js';
import { InvalidOptionError } from '../lib/errors.js';
import type { RequestListener } from '../lib/handlers/listener.js';
import { agent, closeEverything, start } from './support/harness.js';

/** A promise with its resolve, for a response the test lets go of when it wants. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('listener', () => {
  afterEach(closeEverything);

  it('serves an Express app', async () => {
    const app = express();
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const server = await start({ listener: app });
    const response = await request(`${server.url}/users/7`, { dispatcher: agent() });
    expect(await response.body.json()).to.deep.equal({ id: '7' });
  });

  it('lets an in-flight Express request finish with Connection: close on shutdown', async () => {
    const arrived = gate();
    const release = gate();
    const app = express();
    app.get('/slow', async (req, res) => {
      arrived.open();
      await release.promise;
      res.send('done');
    });
    const server = await start({ listener: app, deadline: 60_000 });
    const responding = request(`${server.url}/slow`, { dispatcher: agent() });
    await arrived.promise;
    server.shutdown();
    await firstValueFrom(server.events$.pipe(filter((e) => e.type === 'shutdown')));
    release.open();
    const response = await responding;
    expect(response.statusCode).to.equal(200);
    expect(response.headers['connection']).to.equal('close');
    expect(await response.body.text()).to.equal('done');
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('gives a plain (req, res) function the same lifecycle', async () => {
    const arrived = gate();
    const release = gate();
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      if (req.url !== '/slow') return void res.end('quick');
      arrived.open();
      void release.promise.then(() => res.end('plain'));
    };
    const server = await start({ listener, deadline: 60_000 });
    const idle = agent();
    await (await request(server.url, { dispatcher: idle })).body.dump(); // an idle keep-alive connection
    const responding = request(`${server.url}/slow`, { dispatcher: agent() });
    await arrived.promise;
    server.shutdown();
    await firstValueFrom(server.events$.pipe(filter((e) => e.type === 'shutdown')));
    release.open();
    const response = await responding;
    expect(response.headers['connection']).to.equal('close');
    expect(await response.body.text()).to.equal('plain');
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
  });

  const failing: Record<string, RequestListener> = {
    throws: () => {
      throw new Error('secret detail');
    },
    'returns a rejected Promise': async () => {
      throw new Error('secret detail');
    },
  };
  for (const [how, listener] of Object.entries(failing)) {
    it(`answers 500 with no detail when the listener ${how}, and reports it`, async () => {
      const server = await start({ listener });
      const response = await request(`${server.url}/x`, { dispatcher: agent() });
      expect([response.statusCode, await response.body.text()]).to.deep.equal([500, 'Internal Server Error\n']);
      const event = await server.error();
      expect(event.error.code).to.equal('ERR_RXSERVE_HANDLER');
      expect(event.request).to.deep.equal({ method: 'GET', url: '/x' });
    });
  }

  it('needs exactly one of handler and listener', () => {
    const listener: RequestListener = (req, res) => res.end();
    expect(() => serve({ listener, handler: () => ({}) })).to.throw(InvalidOptionError, '`listener` to be absent when `handler` is given');
    expect(() => serve({})).to.throw(InvalidOptionError, 'Expected `handler` to be a function `(req, ctx) => Reply` (or `listener`, a `(req, res)` function, or `server`, a node server), got `undefined`');
    expect(() => serve({ listener: 'app' as never })).to.throw(InvalidOptionError, 'Expected `listener` to be a function');
  });
});
