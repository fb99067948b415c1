import type { ServerResponse } from 'node:http';
import { expect } from 'chai';
import { InFlight } from '../lib/protocols/in-flight.js';

// Only what InFlight reads of a response: its request's method and url.
const response = (url: string): ServerResponse => ({ req: { method: 'GET', url } }) as unknown as ServerResponse;

describe('InFlight', () => {
  it('keeps pipelined responses oldest first, whichever leaves, with each request’s age', () => {
    const inFlight = new InFlight();
    const [a, b, c, d] = ['/a', '/b', '/c', '/d'].map(response) as [ServerResponse, ServerResponse, ServerResponse, ServerResponse];
    inFlight.add(a, 1_000);
    inFlight.add(b, 1_100);
    inFlight.add(c, 1_200);

    expect(inFlight.delete(b)).to.equal(true);
    expect(inFlight.responses()).to.deep.equal([a, c]);
    expect(inFlight.delete(a)).to.equal(true);
    inFlight.add(d, 1_300);

    expect(inFlight.size).to.equal(2);
    expect(inFlight.newest).to.equal(d);
    expect(inFlight.describe(2_000)).to.deep.equal([
      { method: 'GET', url: '/c', age: 800 },
      { method: 'GET', url: '/d', age: 700 },
    ]);
  });

  it('says false for a response it does not hold, and holds nothing once all have left', () => {
    const inFlight = new InFlight();
    const [a, b] = ['/a', '/b'].map(response) as [ServerResponse, ServerResponse];
    inFlight.add(a, 0);

    expect(inFlight.delete(b)).to.equal(false);
    expect(inFlight.delete(a)).to.equal(true);
    expect(inFlight.delete(a)).to.equal(false);
    expect({ size: inFlight.size, newest: inFlight.newest, responses: inFlight.responses() }).to.deep.equal({ size: 0, newest: undefined, responses: [] });
  });
});
