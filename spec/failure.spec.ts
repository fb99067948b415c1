import { expect } from 'chai';
import { Subject, filter, firstValueFrom } from 'rxjs';
import sinon from 'sinon';
import { request } from 'undici';
import { HandlerError, HttpError } from '../lib/errors.js';
import { failRequest } from '../lib/handlers/failure.js';
import type { ServerRequest } from '../lib/handlers/reply.js';
import type { ServerResponseLike } from '../lib/handlers/reply.js';
import { agent, closeEverything, start } from './support/harness.js';

describe('failure', () => {
  afterEach(closeEverything);

  it('destroys a response whose head is out, and still reports the request', () => {
    const res = { headersSent: true, writableEnded: false, destroy: sinon.spy(), end: sinon.spy() };
    const report = sinon.spy();
    const req = { method: 'GET', url: '/file', headers: {}, socket: { remoteAddress: '127.0.0.1', remotePort: 5000 } };
    failRequest(req as unknown as ServerRequest, res as unknown as ServerResponseLike, new Error('disk gone'), report);
    expect(res.destroy.calledOnce).to.equal(true);
    expect(res.end.called).to.equal(false);
    const [event] = report.firstCall.args;
    expect(event.error).to.be.instanceOf(HandlerError);
    expect(event.error.message).to.equal('Handler failed for GET /file: disk gone');
    expect(event.request).to.deep.equal({ method: 'GET', url: '/file' });
    expect(event.remote).to.deep.equal({ address: '127.0.0.1', port: 5000 });
  });

  it('reports an HttpError thrown once the head is out as the handler failure it is, destroying the connection', () => {
    const res = { headersSent: true, writableEnded: false, destroy: sinon.spy(), end: sinon.spy() };
    const report = sinon.spy();
    const req = { method: 'GET', url: '/stream', headers: {}, socket: {} };
    failRequest(req as unknown as ServerRequest, res as unknown as ServerResponseLike, new HttpError(404, 'Gone'), report);
    expect(res.destroy.calledOnce).to.equal(true);
    expect(report.firstCall.args[0].error).to.be.instanceOf(HandlerError);
  });

  it('drops the headers the failed reply had set before answering 500', async () => {
    const server = await start({
      handler: () => ({ headers: { 'x-secret': 'token', 'content-type': 'application/json' }, body: 42 as never }),
    });
    const response = await request(server.url, { dispatcher: agent() });
    await response.body.dump();
    expect(response.statusCode).to.equal(500);
    expect(response.headers['x-secret']).to.equal(undefined);
    expect(response.headers['content-type']).to.equal('text/plain; charset=utf-8');
  });

  it('keeps the Connection: close of a draining connection on a 500', async () => {
    const failure = new Subject<never>();
    let arrived!: () => void;
    const handled = new Promise<void>((resolve) => (arrived = resolve));
    const server = await start({
      handler: () => {
        arrived();
        return failure;
      },
      deadline: 60_000,
    });
    const responding = request(server.url, { dispatcher: agent() });
    await handled;
    server.shutdown();
    await firstValueFrom(server.events$.pipe(filter((e) => e.type === 'shutdown')));
    failure.error(new HttpError(503, 'Try again later'));
    const response = await responding;
    expect([response.statusCode, response.headers['connection'], await response.body.text()]).to.deep.equal([
      503,
      'close',
      'Try again later\n',
    ]);
    expect((await server.closed).graceful).to.equal(true);
  });
});
