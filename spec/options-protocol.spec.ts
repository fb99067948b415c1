import { expect } from 'chai';
import { InvalidOptionError, type ServeOptions, serve } from '../lib/index.js';
import { resolveServeOptions } from '../lib/options.js';
import { tcpHandles } from './support/harness.js';

const handler = (): object => ({});

describe('serve() options: protocol and tls', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown protocol', { protocol: 'h3' }, "Expected `protocol` to be one of `'http1'`, `'http2'`, `'auto'`, got `\"h3\"` (string)"],
    ['a tls that is not an object', { tls: 'key.pem' }, 'Expected `tls` to be an object with `key` and `cert` (or `pfx`), as tls.createSecureContext() takes, got `"key.pem"` (string)'],
    ['a tls without a certificate', { tls: { key: 'k' } }, 'Expected `tls` to be an object with `key` and `cert` (or `pfx`), as tls.createSecureContext() takes, got an object (Object)'],
    ['a null tls', { tls: null }, 'Expected `tls` to be an object with `key` and `cert` (or `pfx`), as tls.createSecureContext() takes, got `null`'],
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

  it('defaults to HTTP/1.1 without TLS', () => {
    expect(resolveServeOptions({ handler })).to.include({ protocol: 'http1', tls: undefined });
  });

  it('accepts each protocol, and a tls given as pfx', () => {
    for (const protocol of ['http1', 'http2', 'auto'] as const) {
      expect(resolveServeOptions({ handler, protocol }).protocol).to.equal(protocol);
    }
    expect(resolveServeOptions({ handler, tls: { pfx: Buffer.from('') } }).tls).to.have.property('pfx');
  });
});
