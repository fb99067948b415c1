import type { OutgoingHttpHeaders } from 'node:http';
import type { Reply } from './reply.js';

/**
 * A reply whose body is `value` as JSON, with `Content-Type: application/json;
 * charset=utf-8` (unless `headers` say otherwise) and a status of 200 unless given.
 * `JSON.stringify` throws for a value it cannot write (a cycle, a BigInt): the handler
 * then answers 500, as for any throw.
 *
 * @example
 * ```ts
 * const show: RouteHandler = (req, { params }) => json({ id: params['id'], name: 'Ann' });
 * const create: Handler = (req) => readJson<{ name: string }>(req).pipe(map((user) => json(user, { status: 201 })));
 * ```
 */
export function json(value: unknown, init: { readonly status?: number; readonly headers?: OutgoingHttpHeaders } = {}): Reply {
  return {
    status: init.status ?? 200,
    headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
    body: JSON.stringify(value) ?? 'null',
  };
}
