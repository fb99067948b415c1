import { constants } from 'node:os';
import { Observable } from 'rxjs';
import { InvalidOptionError } from '../errors.js';

/**
 * Emits the name of each of `signals` the process receives, while subscribed.
 *
 * Subscribing installs the listeners (so the signal no longer kills the process);
 * unsubscribing removes exactly those listeners again, so a process whose server has
 * closed exits by itself. Use it as `shutdown$`: the first emission drains, a second one
 * forces the close.
 *
 * ```
 * process:      ----SIGTERM-------SIGINT--
 * fromSignals:  ----T-------------I-------
 * ```
 *
 * @example
 * ```ts
 * serve({ handler, shutdown$: fromSignals('SIGINT', 'SIGTERM') }).subscribe();
 * ```
 */
export function fromSignals(...signals: NodeJS.Signals[]): Observable<NodeJS.Signals> {
  if (signals.length === 0) throw new InvalidOptionError('signals', 'at least one signal name', undefined);
  for (const signal of signals) {
    if (typeof signal !== 'string' || !(signal in constants.signals)) {
      throw new InvalidOptionError('signals', 'signal names such as `SIGINT` or `SIGTERM`', signal);
    }
  }
  return new Observable<NodeJS.Signals>((subscriber) => {
    const listeners = [...new Set(signals)].map((signal) => {
      const listener = (): void => subscriber.next(signal);
      process.on(signal, listener);
      return () => process.off(signal, listener);
    });
    return () => listeners.forEach((removeListener) => removeListener());
  });
}
