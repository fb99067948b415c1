import { expect } from 'chai';
import { map } from 'rxjs';
import { request } from 'undici';
import { type Reply, json, readJson } from '../lib/index.js';
import { agent, closeEverything, start } from './support/harness.js';

describe('json()', () => {
  afterEach(closeEverything);

  it('answers a value as JSON with its content type, 200 unless told', async () => {
    const server = await start({
      handler: (req) =>
        req.method === 'POST' ? readJson<{ name: string }>(req).pipe(map((user) => json({ created: user.name }, { status: 201 }))) : json({ id: 1, tags: ['a'] }),
    });
    const dispatcher = agent();
    const got = await request(server.url, { dispatcher });
    const created = await request(server.url, { method: 'POST', body: '{"name":"Ann"}', dispatcher });

    expect([got.statusCode, got.headers['content-type'], await got.body.json()]).to.deep.equal([200, 'application/json; charset=utf-8', { id: 1, tags: ['a'] }]);
    expect([created.statusCode, await created.body.json()]).to.deep.equal([201, { created: 'Ann' }]);
  });

  it('keeps a content type the caller gives', () => {
    expect(json([1], { headers: { 'content-type': 'application/problem+json' } }).headers).to.deep.equal({ 'content-type': 'application/problem+json' });
  });

  it('is a type error, that says to answer json(value), to give an object as a body', () => {
    // @ts-expect-error: 'a' does not exist in type '... | UseJsonForAnObjectBody'
    const reply: Reply = { body: { a: 1 } };
    expect(reply.body).to.deep.equal({ a: 1 });
  });

  it('answers 500 for an object body that got past the types, and says to use json() in the error event', async () => {
    const server = await start({ handler: () => ({ body: { a: 1 } }) as unknown as Reply });
    const response = await request(server.url, { dispatcher: agent() });
    await response.body.dump();

    expect(response.statusCode).to.equal(500);
    expect((await server.error()).error.message).to.include('to send an object as JSON, answer json(value)');
  });
});
