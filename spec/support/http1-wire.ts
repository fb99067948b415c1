/** One HTTP/1.1 response read off the wire. */
export interface WireResponse {
  readonly status: number;
  /** Header names in lower case; the last value of a repeated header. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Splits what a raw client received into its HTTP/1.1 responses, each with a
 * `Content-Length` body (what rxserve's replies to plain requests carry). Throws on bytes
 * that are not whole responses, so a truncated answer fails the spec that reads it.
 */
export function parseResponses(text: string): WireResponse[] {
  const responses: WireResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) throw new Error(`Not a whole response head: ${JSON.stringify(rest)}`);
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine);
    if (!status) throw new Error(`Not a status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    if (body.length < length) throw new Error(`A body cut short: ${JSON.stringify(body)} of ${length} bytes`);
    responses.push({ status: Number(status[1]), headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

/** `count` GET requests for `/1` ... `/count`, written back to back as one pipelined burst. */
export function pipelinedGets(count: number, path = ''): string {
  return Array.from({ length: count }, (_, i) => `GET ${path}/${i + 1} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join('');
}
