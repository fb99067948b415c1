import { type ClientHttp2Session, type IncomingHttpHeaders, type SecureClientSessionOptions, connect } from 'node:http2';

/** node's HTTP/2 client, with every session it opened remembered so a spec can close them all. */
export class H2Clients {
  private readonly sessions = new Map<ClientHttp2Session, Promise<void>>();

  /** Connects and waits until the session is up. */
  connect(url: string, options: SecureClientSessionOptions = {}): Promise<ClientHttp2Session> {
    const session = connect(url, options);
    this.sessions.set(session, new Promise((resolve) => session.once('close', () => resolve())));
    // A session the server refuses would otherwise throw an unheard 'error'.
    session.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      session.once('connect', () => resolve(session));
      session.once('error', reject);
    });
  }

  /** Destroys every session and waits until each socket is closed. */
  async closeAll(): Promise<void> {
    for (const session of this.sessions.keys()) session.destroy();
    await Promise.all(this.sessions.values());
    this.sessions.clear();
  }
}

export interface H2Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A GET (or another method) on `session`, read to the end. */
export function request(session: ClientHttp2Session, path: string, method = 'GET'): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': method });
    let headers: IncomingHttpHeaders = {};
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (received) => (headers = received));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
    stream.on('error', reject);
  });
}
