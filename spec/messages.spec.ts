import { expect } from 'chai';
import { InvalidOptionError, fromMessages } from '../lib/index.js';

describe('fromMessages', () => {
  it('emits each IPC message that is one of those named, while subscribed', () => {
    const received: string[] = [];
    const subscription = fromMessages('shutdown').subscribe((message) => received.push(message));
    process.emit('message', 'ping', undefined);
    process.emit('message', 'shutdown', undefined);
    process.emit('message', { type: 'shutdown' }, undefined);
    subscription.unsubscribe();
    process.emit('message', 'shutdown', undefined);
    expect(received).to.deep.equal(['shutdown']);
  });

  it('removes exactly its listener on unsubscribe, so the IPC channel no longer holds the process', () => {
    const before = process.listenerCount('message');
    const subscription = fromMessages('shutdown').subscribe();
    expect(process.listenerCount('message')).to.equal(before + 1);
    subscription.unsubscribe();
    expect(process.listenerCount('message')).to.equal(before);
  });

  it('throws when no message is named', () => {
    expect(() => fromMessages()).to.throw(InvalidOptionError, 'at least one message');
  });
});
