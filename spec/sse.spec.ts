import { expect } from 'chai';
import { request } from 'undici';
import { events } from '../demos/sse.js';
import { router } from '../lib/handlers/router.js';
import { agent, closeEverything, start } from './support/harness.js';

describe('the SSE demo', () => {
  afterEach(closeEverything);

  it('ends its stream with a last event on shutdown, so the server closes gracefully long before the deadline', async () => {
    // A tick a minute and a deadline of a minute: only a stream that ends on draining$ lets
    // this finish within mocha's timeout, and with nothing forced.
    const server = await start({ handler: router({ 'GET /events': events({ every: 60_000 }) }), deadline: 60_000 });
    const response = await request(`${server.url}/events`, { dispatcher: agent() });
    expect(response.headers['content-type']).to.equal('text/event-stream');
    let text = '';
    for await (const chunk of response.body) {
      text += String(chunk);
      if (text === 'id: 0\ndata: tick 0\n\n') server.shutdown();
    }
    expect(text).to.equal('id: 0\ndata: tick 0\n\nevent: bye\ndata: the server is shutting down\n\n');
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });
});
