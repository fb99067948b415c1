import { expect } from 'chai';
import { InvalidOptionError, type ServeOptions, serve } from '../lib/index.js';
import { tcpHandles } from './support/harness.js';

const handler = (): object => ({});

describe('serve() options', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a negative deadline', { deadline: -1 }, 'Expected `deadline` to be a finite number >= 0, got `-1` (number)'],
    ['an infinite deadline', { deadline: Infinity }, 'Expected `deadline` to be a finite number >= 0, got `Infinity` (number)'],
    ['a port out of range', { port: 70000 }, 'Expected `port` to be an integer from 0 to 65535, got `70000` (number)'],
    ['a port given as a string', { port: '3000' }, 'Expected `port` to be an integer from 0 to 65535, got `"3000"` (string)'],
    ['an empty host', { host: '' }, 'Expected `host` to be a non-empty string, got `""` (string)'],
    ['a handler that is not a function', { handler: 'hello' }, 'Expected `handler` to be a function `(req, ctx) => Reply`, got `"hello"` (string)'],
    ['a shutdown$ that is not observable', { shutdown$: 42 }, 'Expected `shutdown$` to be an Observable, a Promise or another ObservableInput, got `42` (number)'],
    ['a scheduler that is not one', { scheduler: {} }, 'Expected `scheduler` to be an RxJS SchedulerLike, got an object (Object)'],
    ['a zero backlog', { backlog: 0 }, 'Expected `backlog` to be a positive integer, got `0` (number)'],
    [
      'a drainDelay longer than the deadline',
      { drainDelay: 15_000, deadline: 10_000 },
      'Expected `drainDelay` to be a finite number from 0 to `deadline` (10000), which counts from the same signal, got `15000` (number)',
    ],
    ['a negative drainDelay', { drainDelay: -1 }, 'Expected `drainDelay` to be a finite number from 0 to `deadline` (10000)'],
    ['a health that is not an object', { health: 'yes' }, 'Expected `health` to be `true` or an object, got `"yes"` (string)'],
    ['a health path without a leading slash', { health: { readiness: 'ready' } }, 'Expected `health.readiness` to be a path starting with `/`, got `"ready"` (string)'],
    ['the same path for both probes', { health: { readiness: '/h', liveness: '/h' } }, 'Expected `health` to be different paths for `readiness` and `liveness`'],
    ['a fractional Retry-After', { health: { retryAfter: 1.5 } }, 'Expected `health.retryAfter` to be an integer number of seconds >= 0, got `1.5` (number)'],
    ['a negative idleGrace', { idleGrace: -5 }, 'Expected `idleGrace` to be a finite number >= 0 (milliseconds), got `-5` (number)'],
    ['an idleGrace given as a string', { idleGrace: '100' }, 'Expected `idleGrace` to be a finite number >= 0 (milliseconds), got `"100"` (string)'],
    ['a handshakeTimeout of 0', { handshakeTimeout: 0 }, 'Expected `handshakeTimeout` to be a finite number > 0 (milliseconds), got `0` (number)'],
    ['an infinite handshakeTimeout', { handshakeTimeout: Infinity }, 'Expected `handshakeTimeout` to be a finite number > 0 (milliseconds), got `Infinity` (number)'],
  ];
  for (const [what, options, message] of bad) {
    it(`throws at once, naming the option, for ${what}`, () => {
      const before = tcpHandles();
      expect(() => serve({ handler, ...options } as ServeOptions))
        .to.throw(InvalidOptionError, message)
        .with.property('code', 'ERR_RXSERVE_INVALID_OPTION');
      expect(tcpHandles(), 'nothing is left listening').to.equal(before);
    });
  }

  it('throws for a missing handler', () => {
    expect(() => serve({} as ServeOptions)).to.throw(InvalidOptionError, /`handler`/);
  });

  it('throws for an unknown option, naming it (a typo is the usual cause)', () => {
    expect(() => serve({ handler, deadLine: 5 } as ServeOptions)).to.throw(
      InvalidOptionError,
      /^Unknown option `deadLine`; the known options are `port`, `host`, `path`, `pathMode`, `fd`, `handler`/,
    );
  });

  it('throws for an unknown health option, naming it', () => {
    expect(() => serve({ handler, health: { readyness: '/r' } } as unknown as ServeOptions)).to.throw(
      InvalidOptionError,
      /^Unknown option `health.readyness`; the known options are `readiness`, `liveness`, `retryAfter`$/,
    );
  });

  it('throws for options that are not an object', () => {
    expect(() => serve(null as unknown as ServeOptions)).to.throw(InvalidOptionError, 'Expected `options` to be an object, got `null`');
  });

  it('accepts a Promise as shutdown$ and 0 as a deadline', () => {
    expect(() => serve({ handler, shutdown$: new Promise(() => undefined), deadline: 0 })).not.to.throw();
  });
});
