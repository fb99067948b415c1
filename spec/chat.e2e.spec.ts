// End to end in a real browser: the chat demo driven in Debian's Chromium through
// playwright-core. Skipped, with the reason printed, where /usr/bin/chromium is absent;
// CI (.ci/run) installs it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { Subject, firstValueFrom, filter, type Observable } from 'rxjs';
import { chatServer } from '../demos/chat/chat.js';
import type { ServerEvent } from '../lib/index.js';
import { tcpHandlesLeft } from './support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium reaches for hosts a closed network refuses.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Running {
  readonly events: ServerEvent[];
  readonly shutdown$: Subject<void>;
  readonly closed: Promise<ServerEvent>;
  readonly url: string;
  readonly port: number;
}

async function run(port: number): Promise<Running> {
  const shutdown$ = new Subject<void>();
  const events: ServerEvent[] = [];
  const events$: Observable<ServerEvent> = chatServer({ host: '127.0.0.1', port, shutdown$, deadline: 5_000 });
  const all = new Subject<ServerEvent>();
  events$.subscribe({ next: (e) => (events.push(e), all.next(e)), error: (e) => all.error(e), complete: () => all.complete() });
  const closed = firstValueFrom(all.pipe(filter((e) => e.type === 'closed')));
  const listening = events.find((e) => e.type === 'listening') ?? (await firstValueFrom(all.pipe(filter((e) => e.type === 'listening'))));
  if (listening.type !== 'listening') throw new Error('not listening');
  return { events, shutdown$, closed, url: listening.url, port: listening.address.port };
}

describe('chat demo in Chromium', function () {
  this.timeout(60_000);
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let servers: Running[] = [];

  before(function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} not found (apt-get install -y chromium chromium-driver; .ci/run does)`);
      this.skip();
    }
  });

  beforeEach(async () => {
    userDataDir = await mkdtemp(join(tmpdir(), 'rxserve-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    for (const server of servers) {
      server.shutdown$.next();
      server.shutdown$.next();
      await server.closed;
    }
    servers = [];
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  async function open(url: string, name: string): Promise<Page> {
    const page = await context!.newPage();
    await page.goto(`${url}/?name=${name}`);
    await page.locator('#status', { hasText: /^connected$/ }).waitFor();
    return page;
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.click('#say button');
  }

  it('lets two pages chat, shows "server going away (1001)" on shutdown, and reconnects to a restarted server', async () => {
    const first = await run(0);
    servers.push(first);
    const [ann, bob] = [await open(first.url, 'ann'), await open(first.url, 'bob')];

    await say(ann, 'hello bob');
    await bob.locator('#log li', { hasText: 'ann: hello bob' }).waitFor();
    await say(bob, 'hi ann');
    await ann.locator('#log li', { hasText: 'bob: hi ann' }).waitFor();

    first.shutdown$.next();
    const closed = await first.closed;
    expect(closed).to.deep.include({ type: 'closed', graceful: true, forced: 0 });
    for (const page of [ann, bob]) {
      await page.locator('#status', { hasText: 'server going away (1001)' }).waitFor();
    }
    servers = [];

    const second = await run(first.port);
    servers.push(second);
    for (const page of [ann, bob]) await page.locator('#status', { hasText: /^connected$/ }).waitFor();
    await say(bob, 'back again');
    await ann.locator('#log li', { hasText: 'bob: back again' }).waitFor();
    expect(await ann.locator('#log li').allTextContents()).to.deep.equal([
      'ann: hello bob',
      'bob: hi ann',
      'bob: back again',
    ]);
  });
});
