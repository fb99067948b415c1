import { expect } from 'chai';
import { InvalidOptionError, fromSignals } from '../lib/index.js';

describe('fromSignals', () => {
  it('emits the name of each signal received while subscribed', () => {
    const received: string[] = [];
    const subscription = fromSignals('SIGTERM', 'SIGINT').subscribe((signal) => received.push(signal));
    process.emit('SIGTERM');
    process.emit('SIGINT');
    process.emit('SIGTERM');
    subscription.unsubscribe();
    expect(received).to.deep.equal(['SIGTERM', 'SIGINT', 'SIGTERM']);
  });

  it('adds its listeners on subscribe and removes exactly those on unsubscribe', () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const signals$ = fromSignals('SIGTERM', 'SIGINT');
    expect(process.listenerCount('SIGTERM'), 'cold: nothing before subscribe').to.equal(before[0]);
    const subscription = signals$.subscribe();
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).to.deep.equal([before[0]! + 1, before[1]! + 1]);
    subscription.unsubscribe();
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).to.deep.equal(before);
  });

  it('listens once to a signal named twice', () => {
    const received: string[] = [];
    const subscription = fromSignals('SIGTERM', 'SIGTERM').subscribe((signal) => received.push(signal));
    process.emit('SIGTERM');
    subscription.unsubscribe();
    expect(received).to.deep.equal(['SIGTERM']);
  });

  it('throws for a name that is not a signal, naming it', () => {
    expect(() => fromSignals('SIGNOPE' as NodeJS.Signals)).to.throw(InvalidOptionError, 'got `"SIGNOPE"` (string)');
    expect(() => fromSignals()).to.throw(InvalidOptionError, 'at least one signal name');
  });
});
