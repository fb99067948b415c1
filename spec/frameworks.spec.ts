import { expect } from 'chai';
import { start } from './support/child.js';

// The recipes of docs/frameworks.md run in spec/docs/guide.spec.ts; this is their pitfall.
describe('NestJS with enableShutdownHooks(), served by rxserve', function () {
  this.timeout(20_000);

  it('is not forced by the SIGTERM Nest sends again while the drain goes on: the request in flight is answered, closed is graceful', async () => {
    const child = start(process.execPath, ['--import', 'tsx', 'spec/fixtures/nest-shutdown-hooks.ts'], {});
    const [line] = await child.waitFor(/\{"type":"closed".*\}/);
    const { code } = await child.exited();
    const closed = JSON.parse(line) as { graceful: boolean; forced: number; answered: string; sigterms: number };

    expect(closed).to.deep.include({ graceful: true, forced: 0, answered: '200 finished after the second SIGTERM', sigterms: 2 });
    expect(code).to.equal(0);
  });
});
