import { Observable } from 'rxjs';
import { InvalidOptionError } from '../errors.js';

/**
 * Emits each IPC message from the parent process that equals one of `messages`, while
 * subscribed: pm2 sends `'shutdown'` (with `shutdown_with_message`), a `node:cluster`
 * primary can send the same. Never emits in a process without an IPC channel.
 *
 * Unsubscribing removes its listener, so the IPC channel no longer keeps the process
 * alive: a worker whose server has closed exits by itself.
 *
 * ```
 * parent sends:  ---'ping'---'shutdown'---
 * fromMessages:  ------------s------------    fromMessages('shutdown')
 * ```
 *
 * @example
 * ```ts
 * serve({ handler, shutdown$: merge(fromSignals('SIGINT', 'SIGTERM'), fromMessages('shutdown')) });
 * ```
 */
export function fromMessages<T extends string>(...messages: T[]): Observable<T> {
  if (messages.length === 0) throw new InvalidOptionError('messages', 'at least one message, such as `shutdown`', undefined);
  return new Observable<T>((subscriber) => {
    const listener = (message: unknown): void => {
      if (messages.includes(message as T)) subscriber.next(message as T);
    };
    process.on('message', listener);
    return () => process.off('message', listener);
  });
}
