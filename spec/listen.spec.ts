import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Subject, filter, lastValueFrom, takeUntil } from 'rxjs';
import { type ListenEvent, ListenError, listen, serve } from '../lib/index.js';
import { tcpHandlesLeft } from './support/harness.js';

describe('listen', () => {
  afterEach(async () => {
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('emits listening, then each accepted socket', async () => {
    const stop = new Subject<void>();
    const events$ = listen({ port: 0, host: '127.0.0.1' }).pipe(takeUntil(stop));
    const sockets: ListenEvent[] = [];
    let port = 0;
    const accepted = new Promise<void>((resolve) =>
      events$.subscribe((event) => {
        if (event.type === 'listening') {
          port = event.address.port;
          connect(port, '127.0.0.1').on('error', () => undefined);
        } else if (event.type === 'connection') {
          sockets.push(event);
          event.socket.destroy();
          resolve();
        }
      }),
    );
    await accepted;
    stop.next();
    expect(port).to.be.greaterThan(0);
    expect(sockets).to.have.length(1);
  });

  it('errors with EADDRINUSE named in the message, leaving nothing listening', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const error = await lastValueFrom(listen({ port, host: '127.0.0.1' })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ListenError);
      expect((error as ListenError).code).to.equal('ERR_RXSERVE_LISTEN');
      expect((error as ListenError).syscallCode).to.equal('EADDRINUSE');
      expect((error as Error).message).to.equal(
        `Cannot listen on 127.0.0.1:${port}: the address is already in use by another server (EADDRINUSE)`,
      );
    } finally {
      taken.close();
    }
  });

  it('makes serve() error (not emit) when the port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const events: string[] = [];
      const error = await new Promise<Error>((resolve) =>
        serve({ port, host: '127.0.0.1', handler: () => ({}) }).subscribe({
          next: (event) => events.push(event.type),
          error: resolve,
        }),
      );
      expect(events).to.deep.equal([]);
      expect(error.message).to.contain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('errors with EACCES for a privileged port when not privileged', async function () {
    if (process.platform === 'win32') {
      console.log('      (skipped: no privileged ports on Windows)');
      this.skip();
    }
    // As root the port would be granted: the child drops to `nobody` before it listens.
    const script = fileURLToPath(new URL('./fixtures/listen-privileged.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    if (output.includes('UNPRIVILEGED_PORTS_ALLOWED')) {
      console.log('      (skipped: this kernel lets anyone bind port 80 — net.ipv4.ip_unprivileged_port_start)');
      this.skip();
    }
    expect(output).to.contain('Cannot listen on 127.0.0.1:80: permission denied');
    expect(output).to.contain('(EACCES)');
    expect(code).to.equal(0);
  });

  it('closes the listening socket at once on unsubscribe, so the port is free again', async () => {
    const listening = await new Promise<{ port: number; stop: () => void }>((resolve) => {
      const subscription = listen({ port: 0, host: '127.0.0.1' })
        .pipe(filter((event) => event.type === 'listening'))
        .subscribe((event) => resolve({ port: event.address.port, stop: () => subscription.unsubscribe() }));
    });
    listening.stop();
    const again = createServer().listen(listening.port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
    const refused = connect(listening.port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).to.equal('ECONNREFUSED');
  });
});
