import { expect } from 'chai';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { type Child, start } from './support/child.js';

describe('demos/hello (child processes)', function () {
  // Starting node with the tsx loader takes a second or two on a loaded 2-core machine.
  this.timeout(30_000);
  let child: Child | undefined;

  afterEach(() => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    child = undefined;
  });

  it('finishes a request in flight on SIGTERM and exits 0 by itself', async () => {
    child = start(process.execPath, ['--import', 'tsx', 'demos/hello.ts'], { PORT: '0' });
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
    const req = request(`${url}/stream`);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let body = '';
    res.on('data', (chunk: Buffer) => (body += chunk.toString()));
    child.process.kill('SIGTERM');
    await once(res, 'end');
    expect(res.statusCode).to.equal(200);
    expect(body, 'the stream ends cleanly with its last words').to.match(/bye\n$/);
    const { code, signal } = await child.exited();
    expect(signal, 'not killed by the signal').to.equal(null);
    expect(code).to.equal(0);
    expect(child.output()).to.contain('closed (graceful: true, drained: 1, forced: 0)');
  });

  it('serves with `npm start` and stops gracefully on Ctrl+C (SIGINT to the process group)', async () => {
    child = start('npm', ['start', '--silent'], { PORT: '0' }, true);
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
    const res = await fetch(url!);
    expect(await res.text()).to.equal('Hello World!\n');
    // A terminal's Ctrl+C signals the whole foreground process group: npm and node alike.
    process.kill(-child.process.pid!, 'SIGINT');
    // npm itself dies of the SIGINT, as in a terminal; the server, npm's child, shares its
    // stdout, which closes only once the server process has exited too.
    await once(child.process, 'close');
    expect(child.output()).to.match(/shutting down, \d+ connection\(s\) open\nclosed \(graceful: true, drained: \d+, forced: 0\)/);
    const refused = await fetch(url!).catch((error: Error) => error.cause as NodeJS.ErrnoException);
    expect((refused as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
  });
});
