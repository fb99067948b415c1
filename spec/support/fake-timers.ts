import sinon from 'sinon';

/**
 * sinon's fake timers for specs over real sockets: only the timers and the clock are faked.
 * Since sinon 19 `useFakeTimers()` fakes `nextTick` and `queueMicrotask` too, which stalls
 * real sockets. A timer scheduled before this call stays on real time.
 */
export function fakeTimers(): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}
