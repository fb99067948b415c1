import { type Socket, connect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** HTTP/2 frame types (RFC 9113 §6) the specs read or write. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
} as const;

export const END_STREAM = 0x1;
export const END_HEADERS = 0x4;
export const ACK = 0x1;
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Encodes one frame: 9 bytes of header (length, type, flags, stream id), then the payload. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** The last stream id and error code a GOAWAY frame carries. */
export function goawayOf(frame: Frame): { lastStreamId: number; errorCode: number } {
  return { lastStreamId: frame.payload.readUInt32BE(0) & 0x7fffffff, errorCode: frame.payload.readUInt32BE(4) };
}

/**
 * A GET request's header block in HPACK without any dynamic table: indexed `:method GET`
 * and `:scheme http`, literal `:path` and `:authority` (RFC 7541 §6.1, §6.2.2).
 */
function requestHeaderBlock(path: string): Buffer {
  const literal = (nameIndex: number, value: string): Buffer =>
    Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value, 'latin1')]);
  return Buffer.concat([Buffer.from([0x82, 0x86]), literal(0x04, path), literal(0x01, 'localhost')]);
}

/**
 * An HTTP/2 client over a raw socket, for what node's client cannot show: every frame the
 * server sends, in order, and frames sent at exact moments. It acknowledges SETTINGS by
 * itself; PINGs only when the spec says so.
 */
export class RawH2Client {
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  /** Resolves when the server has ended its side (its FIN, or TLS close_notify and FIN). */
  readonly ended: Promise<void>;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  private readonly read = new Set<Frame>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.ended = new Promise((resolve) => {
      socket.once('end', () => resolve());
      socket.once('close', () => resolve());
    });
    socket.once('close', () => this.wake());
  }

  /**
   * Connects and sends the preface and an empty SETTINGS frame (or `preface` instead).
   * `silent`: the client never ends its side by itself, not even once the server has ended
   * its own, as a client whose process is frozen would not. `tls`: over TLS, offering h2 by
   * ALPN, trusting `ca`.
   */
  static connect(
    port: number,
    preface: Uint8Array = Buffer.concat([PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0)]),
    options: { silent?: boolean; tls?: { ca: Buffer } } = {},
  ): Promise<RawH2Client> {
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        socket.off('error', reject);
        socket.write(preface);
        resolve(new RawH2Client(socket));
      };
      const allowHalfOpen = options.silent === true;
      const socket: Socket = options.tls
        ? // node's tls.connect() passes allowHalfOpen on to its TLSSocket; @types/node leaves it out.
          tlsConnect({ port, host: '127.0.0.1', ca: options.tls.ca, ALPNProtocols: ['h2'], servername: 'localhost', allowHalfOpen } as ConnectionOptions, onConnect)
        : connect({ port, host: '127.0.0.1', allowHalfOpen }, onConnect);
      socket.once('error', reject);
    });
  }

  /** The first frame of `type` (and stream, if given) not returned before; waits for it. */
  async next(type: number, streamId?: number): Promise<Frame> {
    for (;;) {
      const frame = this.frames.find((f) => !this.read.has(f) && f.type === type && (streamId === undefined || f.streamId === streamId));
      if (frame) {
        this.read.add(frame);
        return frame;
      }
      if (this.socket.destroyed) throw new Error(`The connection closed before a frame of type ${type} arrived`);
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  /** The body of a response on `streamId`: DATA payloads up to END_STREAM. */
  async body(streamId: number): Promise<string> {
    let body = '';
    for (;;) {
      const frame = await this.next(FrameType.DATA, streamId);
      body += frame.payload.toString('utf8');
      if (frame.flags & END_STREAM) return body;
    }
  }

  request(streamId: number, path: string): void {
    this.socket.write(encodeFrame(FrameType.HEADERS, END_HEADERS | END_STREAM, streamId, requestHeaderBlock(path)));
  }

  ackPing(ping: Frame): void {
    this.socket.write(encodeFrame(FrameType.PING, ACK, 0, ping.payload));
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) break;
      const frame: Frame = {
        type: this.buffered.readUInt8(3),
        flags: this.buffered.readUInt8(4),
        streamId: this.buffered.readUInt32BE(5) & 0x7fffffff,
        payload: this.buffered.subarray(9, 9 + length),
      };
      this.buffered = this.buffered.subarray(9 + length);
      if (frame.type === FrameType.SETTINGS && !(frame.flags & ACK)) {
        this.socket.write(encodeFrame(FrameType.SETTINGS, ACK, 0));
      }
      this.frames.push(frame);
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}
