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
    const config = resolveServeOptions({ handler });
    expect(config).to.include({
      websocket: undefined,
      websocketShutdownCode: 1001,
      websocketShutdownReason: 'server going away',
      websocketMaxPayload: 1024 * 1024,
      websocketHeartbeat: 0,
      websocketMaxBufferedAmount: 1024 * 1024,
      websocketOnBufferFull: 'close',
    });
  });

  it('takes a handler, or handlers by path', () => {
    expect(resolveServeOptions({ handler, websocket: echo }).websocket).to.equal(echo);
    const routes = { '/chat': echo, '/echo': echo } as const;
    expect(resolveServeOptions({ handler, websocket: routes }).websocket).to.equal(routes);
  });

  const wrong: Array<[keyof ServeOptions, unknown, RegExp]> = [
    ['websocket', 'echo', /Expected `websocket` to be a function `\(messages\$, ctx\) => output` or an object/],
    ['websocket', {}, /`websocket`/],
    ['websocket', { chat: echo }, /`websocket`/],
    ['websocket', { '/chat': 'echo' }, /`websocket`/],
    ['websocketShutdownCode', 1006, /Expected `websocketShutdownCode` to be a close code .*got `1006` \(number\)/],
    ['websocketShutdownCode', 2000, /`websocketShutdownCode`/],
    ['websocketShutdownCode', 1001.5, /`websocketShutdownCode`/],
    ['websocketShutdownReason', 'x'.repeat(124), /Expected `websocketShutdownReason` to be a string of at most 123 bytes/],
    ['websocketShutdownReason', 42, /`websocketShutdownReason`/],
    ['websocketMaxPayload', 0, /Expected `websocketMaxPayload` to be a positive integer \(bytes\), got `0`/],
    ['websocketHeartbeat', -1, /Expected `websocketHeartbeat` to be a finite number >= 0/],
    ['websocketHeartbeat', Number.POSITIVE_INFINITY, /`websocketHeartbeat`/],
    ['websocketMaxBufferedAmount', 1.5, /Expected `websocketMaxBufferedAmount` to be an integer >= 0/],
    ['websocketOnBufferFull', 'block', /Expected `websocketOnBufferFull` to be `'close'` or `'drop'`, got `"block"`/],
  ];
  for (const [option, value, message] of wrong) {
    it(`throws naming \`${option}\` when it is ${JSON.stringify(String(value)).slice(0, 40)}`, () => {
      const error = errorOf({ [option]: value });
      expect(error.option).to.equal(option);
      expect(error.message).to.match(message);
    });
  }

  it('accepts 1012 Service Restart and an application code (4000) as the shutdown code', () => {
    expect(resolveServeOptions({ handler, websocketShutdownCode: 1012 }).websocketShutdownCode).to.equal(1012);
    expect(resolveServeOptions({ handler, websocketShutdownCode: 4000 }).websocketShutdownCode).to.equal(4000);
  });

  it('knows the WebSocket option names, so a typo among them is caught', () => {
    expect(errorOf({ websocketHeartBeat: 1 } as never).message).to.match(/Unknown option `websocketHeartBeat`.*`websocketHeartbeat`/);
  });
});
