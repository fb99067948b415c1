import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom, lastValueFrom } from 'rxjs';
import { InvalidOptionError, ListenError, type ServeOptions, type ServerEvent, serve, systemdSocket, systemdSockets } from '../lib/index.js';
import { root } from './support/child.js';
import { freePort } from './support/free-port.js';
import { socketActivate, socketActivateMissing } from './support/socket-activate.js';

/** A GET over a Unix domain socket, on a connection of its own. */
function getOverSocket(socketPath: string, path = '/'): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
    })
      .on('error', reject)
      .end();
  });
}

/** serve() until its first event, or the error it fails with. */
function firstEvent(options: ServeOptions): Promise<ServerEvent | Error> {
  return firstValueFrom(serve(options)).catch((error: Error) => error);
}

function pipesOpen(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('Pipe')).length;
}

describe('listening on a Unix socket and on an inherited descriptor', () => {
  let folder: string;
  // The runner's own stdio may be pipes: count what a spec leaves beyond those.
  let pipesBefore: number;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'rxserve-listen-'));
    pipesBefore = pipesOpen();
  });
  afterEach(async () => {
    rmSync(folder, { recursive: true, force: true });
    for (let turn = 0; turn < 10 && pipesOpen() > pipesBefore; turn++) await new Promise(setImmediate);
    expect(pipesOpen() - pipesBefore, 'Unix socket handles left open').to.equal(0);
  });

  describe('path', () => {
    it('serves over the socket, tells where in listening, and removes the socket file once closed', async () => {
      const path = join(folder, 'http.sock');
      const shutdown$ = new Subject<void>();
      const events: ServerEvent[] = [];
      const closed = new Promise<void>((resolve, reject) =>
        serve({ path, handler: (req) => ({ body: `hello ${req.url}` }), shutdown$ }).subscribe({
          next: (event) => events.push(event),
          complete: resolve,
          error: reject,
        }),
      );
      while (events.length === 0) await new Promise(setImmediate);
      expect(events[0]).to.deep.include({ type: 'listening', path, url: `http+unix://${encodeURIComponent(path)}` });
      expect(events[0]).to.have.deep.property('address', { address: path, family: 'unix', port: 0 });
      expect(statSync(path).isSocket()).to.equal(true);
      expect(await getOverSocket(path, '/there')).to.deep.include({ status: 200, body: 'hello /there' });
      shutdown$.next();
      await closed;
      expect(events.at(-1)).to.deep.include({ type: 'closed', graceful: true });
      expect(existsSync(path), 'socket file after close').to.equal(false);
    });

    it('sets the socket file permissions to pathMode before listening', async () => {
      const path = join(folder, 'group.sock');
      let mode = -1;
      const subscription = serve({ path, pathMode: 0o660, handler: () => ({}) }).subscribe((event) => {
        if (event.type === 'listening') mode = statSync(path).mode & 0o777;
      });
      while (mode === -1) await new Promise(setImmediate);
      subscription.unsubscribe();
      expect(mode.toString(8)).to.equal('660');
    });

    it('removes a stale socket file that a killed server left, and serves', async () => {
      const path = join(folder, 'stale.sock');
      // A real crash: a process listening on the path is SIGKILLed, so nothing unlinks it.
      const crashed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await once(crashed.stdout!, 'data');
      crashed.kill('SIGKILL');
      await once(crashed, 'exit');
      expect(statSync(path).isSocket(), 'the socket file the crash left').to.equal(true);
      const shutdown$ = new Subject<void>();
      const served = serve({ path, handler: () => ({ body: 'after the crash' }), shutdown$ });
      const done = lastValueFrom(served);
      // lastValueFrom subscribed: wait for the file to be ours by asking it.
      let answer: Awaited<ReturnType<typeof getOverSocket>> | undefined;
      while (!answer) answer = await getOverSocket(path).catch(() => undefined);
      expect(answer).to.deep.include({ status: 200, body: 'after the crash' });
      shutdown$.next();
      expect(await done).to.deep.include({ type: 'closed', graceful: true });
    });

    it('errors naming the path when a live server listens on it, and leaves that server be', async () => {
      const path = join(folder, 'taken.sock');
      const live = createHttpServer((_req, res) => res.end('the other one')).listen(path);
      await once(live, 'listening');
      try {
        const error = await firstEvent({ path, handler: () => ({}) });
        expect(error).to.be.instanceOf(ListenError);
        expect((error as Error).message).to.equal(`Cannot listen on the Unix socket ${path}: another server is listening on it`);
        expect(await getOverSocket(path)).to.deep.include({ status: 200, body: 'the other one' });
      } finally {
        live.close();
      }
    });

    it('errors naming the path when a file that is not a socket is there, and keeps the file', async () => {
      const path = join(folder, 'notes.txt');
      writeFileSync(path, 'keep me');
      const error = await firstEvent({ path, handler: () => ({}) });
      expect(error).to.be.instanceOf(ListenError);
      expect((error as Error).message).to.equal(
        `Cannot listen on the Unix socket ${path}: a file that is not a socket is at that path (rxserve removes only a stale socket)`,
      );
      expect(readFileSync(path, 'utf8')).to.equal('keep me');
    });

    it('errors naming the missing folder (node itself says EACCES)', async () => {
      const path = join(folder, 'missing', 'http.sock');
      const error = await firstEvent({ path, handler: () => ({}) });
      expect(error).to.be.instanceOf(ListenError);
      expect((error as ListenError).syscallCode).to.equal('ENOENT');
      expect((error as Error).message).to.equal(`Cannot listen on the Unix socket ${path}: its folder ${join(folder, 'missing')} does not exist (ENOENT)`);
    });

    it('adopts an http.Server on a path: rxserve listens and the server answers', async () => {
      const path = join(folder, 'adopted.sock');
      const server = createHttpServer((_req, res) => res.end('express-like'));
      const shutdown$ = new Subject<void>();
      const done = lastValueFrom(serve({ server, path, shutdown$ }));
      let answer: Awaited<ReturnType<typeof getOverSocket>> | undefined;
      while (!answer) answer = await getOverSocket(path).catch(() => undefined);
      expect(answer).to.deep.include({ status: 200, body: 'express-like' });
      shutdown$.next();
      expect(await done).to.deep.include({ type: 'closed', graceful: true });
      expect(existsSync(path)).to.equal(false);
    });
  });

  describe('options', () => {
    const handler = (): object => ({});
    const cases: Array<[string, ServeOptions, string]> = [
      ['path with port', { path: '/tmp/x.sock', port: 3000, handler }, 'Expected `path` to be absent when `port` is given (a Unix socket has no port), got `"/tmp/x.sock"` (string)'],
      ['path with host', { path: '/tmp/x.sock', host: '127.0.0.1', handler }, 'Expected `path` to be absent when `host` is given (a Unix socket has no host), got `"/tmp/x.sock"` (string)'],
      ['an empty path', { path: '', handler }, 'Expected `path` to be a non-empty string (a Unix socket path), got `""` (string)'],
      ['pathMode without path', { pathMode: 0o660, handler }, 'Expected `pathMode` to be given with `path` only (the Unix socket it applies to), got `432` (number)'],
      ['pathMode out of range', { path: '/tmp/x.sock', pathMode: 0o1777, handler }, 'Expected `pathMode` to be permission bits from 0 to 0o777, such as 0o660, got `1023` (number)'],
      ['fd with port', { fd: 3, port: 3000, handler }, 'Expected `fd` to be absent when `port` is given (the inherited socket is bound already), got `3` (number)'],
      ['a negative fd', { fd: -1, handler }, 'Expected `fd` to be a file descriptor, an integer >= 0 (such as systemdSocket()), got `-1` (number)'],
    ];
    for (const [what, options, message] of cases) {
      it(`refuses ${what}, naming it`, () => {
        expect(() => serve(options)).to.throw(InvalidOptionError, message);
      });
    }
  });

  describe('fd', () => {
    it('errors naming the descriptor when it is a file, not a socket', async () => {
      const file = join(folder, 'file');
      writeFileSync(file, '');
      const fd = openSync(file, 'r');
      try {
        const error = await firstEvent({ fd, handler: () => ({}) });
        expect(error).to.be.instanceOf(ListenError);
        expect((error as Error).message).to.equal(`Cannot listen on descriptor ${fd}: it is not a socket (a file)`);
      } finally {
        closeSync(fd);
      }
    });

    it('errors naming the descriptor when it is not open', async () => {
      const error = await firstEvent({ fd: 4000, handler: () => ({}) });
      expect(error).to.be.instanceOf(ListenError);
      expect((error as Error).message).to.equal('Cannot listen on descriptor 4000: it is not open in this process (EBADF)');
    });

    it('errors naming the descriptor when it is a connected socket, not a listening one', async () => {
      // A connected socket as a process inherits one: its stdin, the socketpair node makes for 'pipe'.
      const script = "import('./lib/index.ts').then(({ serve }) => serve({ fd: 0, handler: () => ({}) }).subscribe({ error: (e) => console.log(e.message) }))";
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await once(child, 'close');
      expect(output.trim()).to.equal('Cannot listen on descriptor 0: it cannot listen (a connected socket, or not a stream socket) (EINVAL)');
    });
  });

  describe('systemd socket activation', () => {
    before(function () {
      const missing = socketActivateMissing();
      if (missing) {
        console.log(`      (skipped: ${missing})`);
        this.skip();
      }
    });

    it('lists nothing, and systemdSocket() says why, in a process started without sockets', () => {
      expect(systemdSockets({}, 42)).to.deep.equal([]);
      expect(systemdSockets({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42), 'sockets passed to another process').to.deep.equal([]);
      expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:admin' }, 42)).to.deep.equal([
        { fd: 3, name: 'http' },
        { fd: 4, name: 'admin' },
      ]);
      expect(() => systemdSocket()).to.throw(ListenError, /this process was given none \(LISTEN_FDS and LISTEN_PID are not set for it/);
    });

    for (const kind of ['Unix socket', 'TCP port'] as const) {
      it(`serves the ${kind} it was passed: the connection that started it is answered, SIGTERM drains it`, async () => {
        const address = kind === 'Unix socket' ? join(folder, 'activated.sock') : `127.0.0.1:${await freePort()}`;
        const child = socketActivate(address, 'spec/fixtures/socket-activated.ts', {}, ['--fdname=web']);
        await child.waitFor(/Listening on .* as 3/);
        // The first connection starts the server: it waits in the socket's queue meanwhile.
        const answer =
          kind === 'Unix socket'
            ? await getOverSocket(address, '/first')
            : await fetch(`http://${address}/first`).then(async (res) => ({ status: res.status, body: await res.text() }));
        expect(answer.status).to.equal(200);
        expect(answer.body).to.match(/^served GET \/first by \d+$/);
        const [sockets] = await child.waitFor(/\{"type":"sockets".*\}/);
        expect(JSON.parse(sockets)).to.deep.equal({ type: 'sockets', sockets: [{ fd: 3, name: 'web' }] });
        const [listening] = await child.waitFor(/\{"type":"listening".*\}/);
        expect(JSON.parse(listening)).to.include({ fd: 3 });
        if (kind === 'Unix socket') expect(JSON.parse(listening)).to.include({ path: address, url: `http+unix://${encodeURIComponent(address)}` });
        else expect(JSON.parse(listening).address).to.include({ address: '127.0.0.1', port: Number(address.split(':')[1]) });
        child.process.kill('SIGTERM');
        const [closed] = await child.waitFor(/\{"type":"closed".*\}/);
        expect(JSON.parse(closed)).to.include({ graceful: true, forced: 0 });
        expect(await child.exited()).to.deep.equal({ code: 0, signal: null });
        // The socket belongs to whoever made it (systemd's .socket unit): rxserve leaves its file.
        if (kind === 'Unix socket') expect(statSync(address).isSocket()).to.equal(true);
      });
    }
  });
});
