import { expect } from 'chai';
import { of, throwError } from 'rxjs';
import { type ServerEvent, exitOnClose } from '../lib/index.js';
import { ListenError } from '../lib/errors.js';

describe('exitOnClose', () => {
  let saved: typeof process.exitCode;

  beforeEach(() => {
    saved = process.exitCode;
    process.exitCode = undefined;
  });

  afterEach(() => {
    process.exitCode = saved;
  });

  const closed = (graceful: boolean): ServerEvent => ({ type: 'closed', graceful, drained: 1, forced: graceful ? 0 : 1 });

  it('sets exit code 1 after a forced close', () => {
    of(closed(false)).pipe(exitOnClose()).subscribe();
    expect(process.exitCode).to.equal(1);
  });

  it('leaves the exit code alone (0) after a graceful close', () => {
    of(closed(true)).pipe(exitOnClose()).subscribe();
    expect(process.exitCode).to.equal(undefined);
  });

  it('sets exit code 1 when the server cannot serve, passing the error on', () => {
    const error = new ListenError('127.0.0.1:80', Object.assign(new Error('denied'), { code: 'EACCES' }));
    let received: unknown;
    throwError(() => error)
      .pipe(exitOnClose())
      .subscribe({ error: (e: unknown) => (received = e) });
    expect(process.exitCode).to.equal(1);
    expect(received).to.equal(error);
  });
});
