import { expect } from 'chai';
import { type OpenStream, OpenStreams } from '../lib/protocols/open-streams.js';

const stream = (url: string, arrived: number): OpenStream => ({
  arrived,
  requestLine: () => ({ method: 'GET', url }),
  openIn: undefined,
  previousOpen: undefined,
  nextOpen: undefined,
});

describe('OpenStreams', () => {
  it('lists its streams in arrival order, whichever leaves, and says when the last has left', () => {
    let emptied = 0;
    const streams = new OpenStreams(() => emptied++);
    const [a, b, c] = [stream('/a', 1_000), stream('/b', 1_100), stream('/c', 1_200)] as const;
    for (const each of [a, b, c]) streams.add(each);

    streams.delete(b);
    expect(streams.describe(2_000)).to.deep.equal([
      { method: 'GET', url: '/a', age: 1_000 },
      { method: 'GET', url: '/c', age: 800 },
    ]);
    streams.delete(a);
    streams.delete(c);
    expect({ size: streams.size, emptied, listed: streams.describe(2_000) }).to.deep.equal({ size: 0, emptied: 1, listed: [] });

    streams.add(b);
    streams.delete(b);
    expect(emptied).to.equal(2);
  });

  it('leaves alone a stream that is not in it, and one added twice', () => {
    let emptied = 0;
    const streams = new OpenStreams(() => emptied++);
    const other = new OpenStreams(() => undefined);
    const [a, b] = [stream('/a', 0), stream('/b', 0)] as const;
    streams.add(a);
    streams.add(a);
    other.add(b);

    streams.delete(b);
    expect({ size: streams.size, otherSize: other.size, emptied }).to.deep.equal({ size: 1, otherSize: 1, emptied: 0 });
    streams.delete(a);
    streams.delete(a);
    expect({ size: streams.size, emptied }).to.deep.equal({ size: 0, emptied: 1 });
  });
});
