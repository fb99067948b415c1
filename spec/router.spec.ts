import { expect } from 'chai';
import { NEVER, firstValueFrom, from, isObservable } from 'rxjs';
import { request } from 'undici';
import { InvalidOptionError } from '../lib/errors.js';
import type { Reply } from '../lib/handlers/reply.js';
import type { ServerRequest } from '../lib/handlers/reply.js';
import type { Handler, RequestContext } from '../lib/handlers/respond.js';
import { type RouteContext, router } from '../lib/handlers/router.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

const ctx: RequestContext = { draining$: NEVER, signal: new AbortController().signal };

function call(handler: Handler, method: string, url: string): Reply {
  const result = handler({ method, url } as ServerRequest, ctx);
  if (isObservable(result) || result instanceof Promise) throw new Error('expected a plain reply');
  return result as Reply;
}

const echo = (req: ServerRequest, { params }: RouteContext): Reply => ({ body: `${req.method} ${JSON.stringify(params)}` });

describe('router', () => {
  afterEach(closeEverything);

  it('dispatches on method and path and passes the decoded params', () => {
    const handler = router({ 'GET /users/:id': echo, 'POST /users': echo, 'GET /users/:id/posts/:post': echo });
    expect(call(handler, 'GET', '/users/a%20b?x=1').body).to.equal('GET {"id":"a b"}');
    expect(call(handler, 'POST', '/users').body).to.equal('POST {}');
    expect(call(handler, 'GET', '/users/7/posts/9').body).to.equal('GET {"id":"7","post":"9"}');
  });

  it('answers 404 when no route matches the path', () => {
    const handler = router({ 'GET /users/:id': echo });
    expect(call(handler, 'GET', '/users').status).to.equal(404);
    expect(call(handler, 'GET', '/users/').status).to.equal(404);
    expect(call(handler, 'GET', '/users/1/extra').status).to.equal(404);
  });

  it('answers 405 with Allow when the path matches but the method does not', () => {
    const handler = router({ 'GET /users/:id': echo, 'DELETE /users/:id': echo, 'POST /users': echo });
    const reply = call(handler, 'PUT', '/users/1');
    expect(reply.status).to.equal(405);
    expect(reply.headers).to.deep.equal({ allow: 'DELETE, GET, HEAD' });
  });

  it('serves HEAD with a GET route', () => {
    const handler = router({ 'GET /users/:id': echo });
    expect(call(handler, 'HEAD', '/users/1').body).to.equal('HEAD {"id":"1"}');
  });

  it('matches the rest of the path with a trailing *', () => {
    const handler = router({ 'GET /files/*': echo });
    expect(call(handler, 'GET', '/files/a/b%2Fc.txt').body).to.equal('GET {"*":"a/b/c.txt"}');
    expect(call(handler, 'GET', '/other').status).to.equal(404);
  });

  it('hands paths it does not know to a plain handler, such as another router', async () => {
    const api = router({ 'GET /api/health': () => ({ body: 'ok' }) });
    const handler = router({ 'GET /': () => ({ body: 'home' }) }, api);
    expect(call(handler, 'GET', '/api/health').body).to.equal('ok');
    expect(call(handler, 'GET', '/nowhere').status).to.equal(404);
    const later = router({ 'GET /later': () => from(Promise.resolve({ body: 'later' })) });
    expect(await firstValueFrom(from(later({ method: 'GET', url: '/later' } as ServerRequest, ctx) as Promise<Reply>))).to.deep.equal({ body: 'later' });
  });

  it('throws at the call for a route key that is not METHOD /path, naming it', () => {
    expect(() => router({ 'users/:id': echo })).to.throw(InvalidOptionError, "Expected `routes['users/:id']` to be a key of the form");
    expect(() => router({ 'GET /a/*/b': echo })).to.throw(InvalidOptionError, '`*` only as its last segment');
  });

  it('gives a route the request’s own ctx.signal, aborted when the client goes away', async () => {
    let arrived!: (aborted: { promise: Promise<Event> }) => void;
    const handled = new Promise<{ promise: Promise<Event> }>((resolve) => (arrived = resolve));
    const server = await start({
      handler: router({
        'GET /wait': (req, ctx) => {
          arrived({ promise: new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)) });
          return NEVER;
        },
      }),
    });
    const client = await raw(server.port);
    client.socket.write('GET /wait HTTP/1.1\r\nHost: x\r\n\r\n');
    const aborted = await handled;
    client.socket.destroy();
    expect(await aborted.promise).to.have.property('type', 'abort');
  });

  it('answers 404, 405 with Allow and 400 for a malformed escape over a real connection', async () => {
    const server = await start({ handler: router({ 'GET /users/:id': echo }) });
    const dispatcher = agent();
    const get = async (path: string, method = 'GET') => {
      const response = await request(`${server.url}${path}`, { method, dispatcher });
      await response.body.dump();
      return [response.statusCode, response.headers['allow']];
    };
    expect(await get('/users/1')).to.deep.equal([200, undefined]);
    expect(await get('/nope')).to.deep.equal([404, undefined]);
    expect(await get('/users/1', 'POST')).to.deep.equal([405, 'GET, HEAD']);
    expect(await get('/users/%zz')).to.deep.equal([400, undefined]);
  });
});
