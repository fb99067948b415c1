import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, start } from './child.js';
import { freePort } from './free-port.js';

/** A reverse proxy started for a test, in a temp folder of its own. */
export interface Proxy {
  readonly name: 'nginx' | 'haproxy';
  /** Where clients send: `http://127.0.0.1:port`. */
  readonly url: string;
  /** The config it runs with, for a failing test's message. */
  readonly config: string;
  /** What it wrote to its error log / stderr so far. */
  log(): string;
  /** Resolves once the proxy sees upstream `index` as up (HAProxy's health check); at once for nginx, which has none. */
  upstreamUp(index: number): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** Settings a deployment test varies; each proxy's defaults are what docs/deployment.md recommends. */
export interface ProxySettings {
  /** nginx: `max_fails` of each upstream server (nginx's default 1). */
  readonly maxFails?: number;
  /** nginx: `fail_timeout` of each upstream server (nginx's default 10s). */
  readonly failTimeout?: string;
  /** nginx: `proxy_next_upstream` (nginx's default `error timeout`). */
  readonly nextUpstream?: string;
  /** nginx: the upstream `keepalive` pool size; HAProxy reuses connections by `http-reuse safe`. */
  readonly keepalive?: number;
  /** nginx: the upstream `keepalive_timeout`, how long an idle upstream connection is kept (nginx's default 60s). */
  readonly keepaliveTimeout?: string;
}

/** Whether `command` runs here; the reason to print for a skip when not. */
export function missing(command: 'nginx' | 'haproxy'): string | undefined {
  try {
    execFileSync(command, ['-v'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${command} is not installed (Debian package ${command})`;
  }
}

/** nginx in front of `upstreams` (ports on 127.0.0.1), as open-source nginx users configure it. */
export async function startNginx(upstreams: readonly number[], settings: ProxySettings = {}): Promise<Proxy> {
  const folder = mkdtempSync(join(tmpdir(), 'rxserve-nginx-'));
  const port = await freePort();
  const server = (upstream: number): string =>
    `server 127.0.0.1:${upstream} max_fails=${settings.maxFails ?? 1} fail_timeout=${settings.failTimeout ?? '10s'};`;
  const config = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${folder}/nginx.pid;
error_log stderr notice;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${folder}/body;
  proxy_temp_path ${folder}/proxy;
  fastcgi_temp_path ${folder}/fastcgi;
  uwsgi_temp_path ${folder}/uwsgi;
  scgi_temp_path ${folder}/scgi;
  upstream app {
    ${upstreams.map(server).join('\n    ')}
    keepalive ${settings.keepalive ?? 16};
    keepalive_timeout ${settings.keepaliveTimeout ?? '60s'};
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream ${settings.nextUpstream ?? 'error timeout'};
    }
  }
}
`;
  writeFileSync(join(folder, 'nginx.conf'), config);
  const child = start('nginx', ['-p', folder, '-c', join(folder, 'nginx.conf'), '-g', 'daemon off;'], {});
  await child.waitFor(/start worker process/);
  return {
    name: 'nginx',
    url: `http://127.0.0.1:${port}`,
    config,
    log: child.output,
    upstreamUp: () => Promise.resolve(),
    stop: () => stop(child, 'SIGTERM', folder),
  };
}

/** HAProxy in front of `upstreams`, health-checking their readiness (`/readyz`). */
export async function startHaproxy(upstreams: readonly number[]): Promise<Proxy> {
  const folder = mkdtempSync(join(tmpdir(), 'rxserve-haproxy-'));
  const port = await freePort();
  const admin = join(folder, 'admin.sock');
  const config = `
global
  stats socket ${admin} mode 600 level admin
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
  http-reuse safe
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  option httpchk GET /readyz
${upstreams.map((upstream, i) => `  server s${i} 127.0.0.1:${upstream} check inter 200ms fall 1 rise 1`).join('\n')}
`;
  writeFileSync(join(folder, 'haproxy.cfg'), config);
  const child = start('haproxy', ['-db', '-f', join(folder, 'haproxy.cfg')], {});
  await listeningOn(port, child.process);
  return {
    name: 'haproxy',
    url: `http://127.0.0.1:${port}`,
    config,
    log: child.output,
    upstreamUp: (index) => serverUp(admin, `s${index}`, child.process),
    stop: () => stop(child, 'SIGTERM', folder),
  };
}

// HAProxy says nothing when it has bound: a connect that is refused until it has.
async function listeningOn(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening on ${port}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// `show servers state`: the 6th field is srv_op_state, 2 when the server is running.
async function serverUp(admin: string, name: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    const state = await adminCommand(admin, 'show servers state app');
    const line = state.split('\n').find((row) => row.split(' ')[3] === name);
    if (line?.split(' ')[5] === '2') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function adminCommand(admin: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(admin, () => socket.end(`${command}\n`));
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function stop(child: Child, signal: NodeJS.Signals, folder: string): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  await child.exited();
  rmSync(folder, { recursive: true, force: true });
}
