// The WebSocket options of resolveServeOptions (lib/options.ts); kept apart from the
// general options spec so both can grow without stepping on each other.
import { expect } from 'chai';
import { InvalidOptionError, type WebSocketHandler } from '../lib/index.js';
import { type ServeOptions, resolveServeOptions } from '../lib/options.js';

const handler: ServeOptions['handler'] = () => ({});
const echo: WebSocketHandler = (messages$) => messages$;

function errorOf(options: Partial<ServeOptions>): InvalidOptionError {
  try {
    resolveServeOptions({ handler, ...options } as ServeOptions);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected resolveServeOptions to throw');
}

describe('resolveServeOptions (WebSocket)', () => {
  it('fills in the WebSocket defaults: 1001 Going Away, 1 MiB payloads and buffers, no heartbeat, close on a full buffer', () => {
    expect(resolveServeOptions({ handler }).websocket).to.equal(undefined);
    expect(resolveServeOptions({ handler, websocket: echo }).websocket).to.deep.equal({
      routes: echo,
      shutdownCode: 1001,
      shutdownReason: 'server going away',
      maxPayload: 1024 * 1024,
      heartbeat: 0,
      maxBufferedAmount: 1024 * 1024,
      onBufferFull: 'close',
    });
  });

  it('takes a handler, or handlers by path', () => {
    expect(resolveServeOptions({ handler, websocket: echo }).websocket?.routes).to.equal(echo);
    const routes = { '/chat': echo, '/echo': echo } as const;
    expect(resolveServeOptions({ handler, websocket: routes }).websocket?.routes).to.equal(routes);
    expect(resolveServeOptions({ handler, websocket: { handler: routes, heartbeat: 5_000 } }).websocket).to.include({ routes, heartbeat: 5_000 });
  });

  const wrong: Array<[string, ServeOptions['websocket'], RegExp]> = [
    ['websocket', 'echo' as never, /Expected `websocket` to be a function `\(messages\$, ctx\) => output`, an object of them by path/],
    ['websocket', {} as never, /`websocket`/],
    ['websocket.chat', { chat: echo } as never, /Unknown option `websocket.chat`/],
    ['websocket', { '/chat': 'echo' } as never, /`websocket`/],
    ['websocket.shutdownCode', { handler: echo, shutdownCode: 1006 }, /Expected `websocket.shutdownCode` to be a close code .*got `1006` \(number\)/],
    ['websocket.shutdownCode', { handler: echo, shutdownCode: 2000 }, /`websocket.shutdownCode`/],
    ['websocket.shutdownCode', { handler: echo, shutdownCode: 1001.5 }, /`websocket.shutdownCode`/],
    ['websocket.shutdownReason', { handler: echo, shutdownReason: 'x'.repeat(124) }, /Expected `websocket.shutdownReason` to be a string of at most 123 bytes/],
    ['websocket.shutdownReason', { handler: echo, shutdownReason: 42 as never }, /`websocket.shutdownReason`/],
    ['websocket.maxPayload', { handler: echo, maxPayload: 0 }, /Expected `websocket.maxPayload` to be a positive integer \(bytes\), got `0`/],
    ['websocket.heartbeat', { handler: echo, heartbeat: -1 }, /Expected `websocket.heartbeat` to be a finite number >= 0/],
    ['websocket.heartbeat', { handler: echo, heartbeat: Number.POSITIVE_INFINITY }, /`websocket.heartbeat`/],
    ['websocket.maxBufferedAmount', { handler: echo, maxBufferedAmount: 1.5 }, /Expected `websocket.maxBufferedAmount` to be an integer >= 0/],
    ['websocket.onBufferFull', { handler: echo, onBufferFull: 'block' as never }, /Expected `websocket.onBufferFull` to be `'close'` or `'drop'`, got `"block"`/],
  ];
  for (const [option, websocket, message] of wrong) {
    it(`throws naming \`${option}\` for ${JSON.stringify(websocket).slice(0, 50)}`, () => {
      const error = errorOf({ websocket });
      expect(error.option).to.equal(option);
      expect(error.message).to.match(message);
    });
  }

  it('accepts 1012 Service Restart and an application code (4000) as the shutdown code', () => {
    expect(resolveServeOptions({ handler, websocket: { handler: echo, shutdownCode: 1012 } }).websocket?.shutdownCode).to.equal(1012);
    expect(resolveServeOptions({ handler, websocket: { handler: echo, shutdownCode: 4000 } }).websocket?.shutdownCode).to.equal(4000);
  });

  it('knows the WebSocket option names, so a typo among them is caught', () => {
    expect(errorOf({ websocket: { handler: echo, heartBeat: 1 } as never }).message).to.match(/Unknown option `websocket.heartBeat`.*`heartbeat`/);
  });
});
