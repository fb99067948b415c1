import { expect } from 'chai';
import { shutdownSignals } from '../lib/index.js';

describe('shutdownSignals', () => {
  const emitted = (events: Array<() => unknown>): string[] => {
    const received: string[] = [];
    const subscription = shutdownSignals().subscribe((signal) => received.push(signal));
    events.forEach((emit) => emit());
    subscription.unsubscribe();
    return received;
  };
  const term = (): unknown => process.emit('SIGTERM');
  const int = (): unknown => process.emit('SIGINT');
  const message = (): unknown => process.emit('message', 'shutdown', undefined);

  it('drains on the first SIGTERM, SIGINT or shutdown message', () => {
    expect([emitted([term]), emitted([int]), emitted([message])]).to.deep.equal([['SIGTERM'], ['SIGINT'], ['shutdown']]);
  });

  it('forces on a later SIGINT only, ignoring a repeated SIGTERM or message', () => {
    expect(emitted([term, term, message, int, term])).to.deep.equal(['SIGTERM', 'SIGINT']);
  });

  it('removes its signal and message listeners on unsubscribe', () => {
    const count = (): number[] => ['SIGINT', 'SIGTERM', 'message'].map((name) => process.listenerCount(name));
    const before = count();
    const subscription = shutdownSignals().subscribe();
    expect(count()).to.deep.equal(before.map((n) => n + 1));
    subscription.unsubscribe();
    expect(count()).to.deep.equal(before);
  });
});
