import type { ServerResponse } from 'node:http';

/**
 * What rxserve relies on in node that node does not document, one function each, with the
 * node behaviour it needs. Each is pinned by `spec/node-internals.spec.ts`, which fails on
 * a node line where the behaviour no longer holds.
 *
 * @module
 */

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Whether node closes a response still queued behind another (HTTP/1.1 pipelining) when
 * its socket closes: from node 24 its `socketOnClose` destroys them (`abortOutgoing`), and
 * each emits `'close'` a tick later; before, such a response never emits `'close'`.
 */
export const QUEUED_RESPONSES_CLOSE_WITH_SOCKET = NODE_MAJOR >= 24;

/**
 * Called as the socket of `res` closes: a response node never handed the socket (queued
 * behind another) is closed here where node will not close it itself, so whatever waits
 * for its `'close'` (the handler's unsubscription, `ctx.signal`) still hears it.
 */
export function closeQueuedResponse(res: ServerResponse): void {
  if (QUEUED_RESPONSES_CLOSE_WITH_SOCKET || res.socket !== null) return;
  res.destroy();
  res.emit('close');
}
