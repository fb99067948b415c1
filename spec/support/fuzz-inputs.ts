/**
 * Seeded malformed and random HTTP/1.1 inputs for the fuzz spec and stress script: the same
 * seed gives the same inputs, so a failure can be replayed.
 */

/** A deterministic PRNG (mulberry32): numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATES = [
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n',
  'POST /submit?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  'GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
  'PUT /x HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc',
  'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
];

const NASTY = ['\r', '\n', '\0', ':', ' ', '\t', '\r\n', '\r\n\r\n', 'HTTP/1.1', 'Content-Length: 9999999999\r\n', 'Transfer-Encoding: chunked\r\n', '\xff', '%00', '../'];

/** Which family an input comes from (for the report). */
export type FuzzKind = 'random bytes' | 'mutated request' | 'truncated request' | 'oversized head' | 'bad framing' | 'valid request';

/** An input of a family drawn from `random`, and which family. */
export function fuzzInput(random: () => number): { kind: FuzzKind; bytes: Buffer } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const roll = random();
  if (roll < 0.25) {
    const bytes = Buffer.alloc(1 + Math.floor(random() * 1024));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    return { kind: 'random bytes', bytes };
  }
  if (roll < 0.55) {
    let text = pick(TEMPLATES);
    for (let m = 1 + Math.floor(random() * 8); m > 0; m--) {
      const at = Math.floor(random() * text.length);
      const op = random();
      if (op < 0.3) text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 256)) + text.slice(at + 1);
      else if (op < 0.55) text = text.slice(0, at) + pick(NASTY) + text.slice(at);
      else if (op < 0.8) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
      else text = text.slice(0, at) + text.slice(at, at + 16).repeat(2 + Math.floor(random() * 4)) + text.slice(at + 16);
    }
    return { kind: 'mutated request', bytes: Buffer.from(text, 'latin1') };
  }
  if (roll < 0.7) {
    const text = pick(TEMPLATES);
    return { kind: 'truncated request', bytes: Buffer.from(text.slice(0, Math.floor(random() * text.length)), 'latin1') };
  }
  if (roll < 0.78) {
    const size = 16 * 1024 + Math.floor(random() * 64 * 1024);
    const head = random() < 0.5 ? `GET /${'a'.repeat(size)} HTTP/1.1\r\n\r\n` : `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(size)}\r\n\r\n`;
    return { kind: 'oversized head', bytes: Buffer.from(head) };
  }
  if (roll < 0.93) {
    const framing = pick([
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;' + 'e'.repeat(20_000) + '\r\nhello\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n0\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET  /  HTTP/1.1\r\n\r\n',
      'G\0T / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\nHost: x\n\n',
      'GET / HTTP/1.1\r\n Folded: header\r\n\r\n',
      'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    ]);
    return { kind: 'bad framing', bytes: Buffer.from(framing, 'latin1') };
  }
  return { kind: 'valid request', bytes: Buffer.from(TEMPLATES[0]!) };
}
