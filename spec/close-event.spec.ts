import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { lastValueFrom, toArray } from 'rxjs';
import sinon from 'sinon';
import { CloseEvent } from '../lib/shutdown/close-event.js';
import { GracefulShutdown, fromCloseEvent } from '../lib/index.js';

describe('fromCloseEvent', () => {
  afterEach(() => sinon.restore());

  describe('as an Observable', () => {
    it("emits once at the first 'close' and completes", async () => {
      const emitter = new EventEmitter();
      const values = lastValueFrom(fromCloseEvent(emitter).pipe(toArray()));
      emitter.emit('close');
      emitter.emit('close');
      expect(await values).to.deep.equal([undefined]);
      expect(emitter.listenerCount('close')).to.equal(0);
    });

    it('removes its listener when unsubscribed before the close', () => {
      const emitter = new EventEmitter();
      const subscription = fromCloseEvent(emitter).subscribe();
      expect(emitter.listenerCount('close')).to.equal(1);
      subscription.unsubscribe();
      expect(emitter.listenerCount('close')).to.equal(0);
    });
  });

  describe('listen()', () => {
    it("calls next at 'close'", () => {
      const emitter = new EventEmitter();
      const next = sinon.spy();
      (fromCloseEvent(emitter) as CloseEvent).listen({ next });
      expect(next.called).to.equal(false);
      emitter.emit('close');
      expect(next.calledOnce).to.equal(true);
    });

    it('removes its listener when unsubscribed before the close, and is not called then', () => {
      const emitter = new EventEmitter();
      const next = sinon.spy();
      (fromCloseEvent(emitter) as CloseEvent).listen({ next }).unsubscribe();
      expect(emitter.listenerCount('close')).to.equal(0);
      emitter.emit('close');
      expect(next.called).to.equal(false);
    });
  });

  describe('watched by GracefulShutdown', () => {
    const connectionOn = (emitter: EventEmitter) => ({
      closed$: fromCloseEvent(emitter),
      gracefulShutdown: () => emitter.emit('close'),
      destroy: () => emitter.emit('close'),
    });

    it('is listened to, not subscribed, and forgotten at its close', async () => {
      const subscribe = sinon.spy(CloseEvent.prototype, 'subscribe');
      const graceful = new GracefulShutdown();
      const [a, b] = [new EventEmitter(), new EventEmitter()];
      graceful.watch(connectionOn(a));
      graceful.watch(connectionOn(b));
      expect(graceful.count).to.equal(2);
      a.emit('close');
      expect(graceful.count).to.equal(1);
      await lastValueFrom(graceful.shutdown());
      expect(graceful.count).to.equal(0);
      expect(graceful.closedCount).to.equal(2);
      expect(subscribe.called, 'no subscription per connection').to.equal(false);
    });

    it('is forgotten once, and count$ tells each change, when the emitter says close twice', () => {
      const graceful = new GracefulShutdown();
      const counts: number[] = [];
      graceful.count$.subscribe((count) => counts.push(count));
      const [a, b] = [new EventEmitter(), new EventEmitter()];
      graceful.watch(connectionOn(a));
      graceful.watch(connectionOn(b));
      a.emit('close');
      a.emit('close');
      b.emit('close');
      expect(counts).to.deep.equal([0, 1, 2, 1, 0]);
      expect(graceful.closedCount).to.equal(2);
    });
  });
});
