import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

// Once a process, so it is run in a fresh one: in this one an earlier spec has warmed up.
function inFreshProcess(code: string): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  return JSON.parse(out);
}

describe('warmUpShutdownPath()', () => {
  it('runs the drain once, deadline timer and remaining event included, and leaves nothing scheduled or open', () => {
    const seen = inFreshProcess(`
      const { warmUpShutdownPath } = await import('./lib/shutdown/warm-up.ts');
      const { asyncScheduler } = await import('rxjs');
      let armed = 0;
      const schedule = asyncScheduler.schedule.bind(asyncScheduler);
      asyncScheduler.schedule = (...args) => (armed++, schedule(...args));
      const before = process.getActiveResourcesInfo();
      warmUpShutdownPath();
      console.log(JSON.stringify({ armed, before, after: process.getActiveResourcesInfo() }));
    `) as { armed: number; before: string[]; after: string[] };
    expect(seen.armed, 'timers armed through the scheduler (the deadline, the remaining event)').to.be.at.least(2);
    expect(seen.after).to.deep.equal(seen.before);
  });
});
