import { expect } from 'chai';
import type { Socket } from 'node:net';
import { type Child, start } from './support/child.js';
import { type Probe, probe } from './support/probe.js';
import { tcpHandlesLeft } from './support/harness.js';

// libuv keeps one descriptor in reserve: on EMFILE it frees it, accepts the pending
// connections and closes them at once, then takes it back. node's server emits no error
// for those (only if the reserve itself cannot be had), so clients see a bare close.
describe('running out of file descriptors (EMFILE on accept, a child under ulimit -n 64)', function () {
  // Starting node with the tsx loader takes a second or two on a loaded 2-core machine.
  this.timeout(30_000);
  const LIMIT = 64;
  let child: Child | undefined;
  const held: Socket[] = [];

  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    child = undefined;
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('drops what it cannot hold without crashing, serves again once descriptors free up, and still drains on SIGTERM', async () => {
    child = start('bash', ['-c', `ulimit -n ${LIMIT} && exec "$@"`, 'bash', process.execPath, '--import', 'tsx', 'spec/fixtures/emfile-server.ts'], {});
    const port = Number((await child.waitFor(/listening (\d+)/))[1]);
    let dropped: Probe | undefined;
    // Bounded: with LIMIT descriptors, fewer than LIMIT connections can be held.
    for (let i = 0; i < 2 * LIMIT && dropped === undefined; i++) {
      const result = await probe(port);
      if (result.answered) held.push(result.socket);
      else dropped = result;
    }
    expect(dropped, 'a connection beyond the limit was dropped').not.to.equal(undefined);
    expect(held.length).to.be.within(1, LIMIT - 1);
    expect(child.process.exitCode, 'the server is still running').to.equal(null);

    for (const socket of held.splice(0)) socket.destroy();
    // The server frees a descriptor when it has read each close; until then a probe may be
    // dropped again, so it retries, a bounded number of times.
    let again: Probe = { answered: false };
    for (let i = 0; i < LIMIT && !again.answered; i++) again = await probe(port);
    expect(again.answered, 'served again once descriptors were free').to.equal(true);
    if (again.answered) again.socket.destroy();

    child.process.kill('SIGTERM');
    const { code } = await child.exited();
    expect(code).to.equal(0);
    expect(child.output()).to.match(/closed \{"type":"closed","graceful":true/);
  });
});
