import { expect } from 'chai';
import { Agent } from 'node:http';
import { type Child, start } from './support/child.js';
import { get, signal as promiseToResolve } from './support/harness.js';

/**
 * The kubelet's side of a pod's termination, as docs/kubernetes.md configures it:
 * readiness probed every PROBE_PERIOD ms (failureThreshold 1), SIGTERM (no preStop: the
 * drain delay is in the process), SIGKILL when the grace period is over. The load balancer
 * (kube-proxy, an ingress) keeps sending until it has seen the readiness probe fail.
 */
const PROBE_PERIOD = 100;
const DRAIN_DELAY = 1_000; // > PROBE_PERIOD × failureThreshold, with room for the last requests
const DEADLINE = 4_000;
const GRACE_PERIOD = 6_000; // terminationGracePeriodSeconds > DRAIN_DELAY + DEADLINE
const CLIENTS = 4;

describe('Kubernetes pod termination (a simulated kubelet against a child process)', function () {
  this.timeout(30_000);
  let child: Child | undefined;
  const timers: NodeJS.Timeout[] = [];
  const agents: Agent[] = [];

  afterEach(() => {
    timers.forEach((timer) => clearTimeout(timer));
    timers.length = 0;
    agents.forEach((agent) => agent.destroy());
    agents.length = 0;
    if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    child = undefined;
  });

  it('fails no request of a keep-alive client load through SIGTERM, probes and the grace period, and exits 0 before SIGKILL', async () => {
    child = start(process.execPath, ['--import', 'tsx', 'demos/production.ts'], {
      PORT: '0',
      DRAIN_DELAY: String(DRAIN_DELAY),
      DEADLINE: String(DEADLINE),
    });
    const pod = child;
    const [, url] = await pod.waitFor(/listening on (http:\/\/\S+)/);

    // The clients, through a load balancer (kube-proxy, an ingress): each keeps one
    // keep-alive connection. Once the pod is out of rotation no new connection reaches it,
    // but an established one is used for as long as it stays open (conntrack, not the
    // endpoints list, routes it), which is why the pod must close it cleanly.
    let inRotation = true;
    let sigtermAt = Infinity;
    const results = { ok: 0, failed: [] as string[], servedAfterSigterm: 0 };
    const enoughBeforeSigterm = promiseToResolve();
    const client = async (id: number): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      let connected = false;
      for (let n = 0; inRotation || connected; n++) {
        const path = n % 10 === 9 ? '/slow?ms=100' : `/?client=${id}`;
        try {
          const res = await get(url!, { agent, path });
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          connected = res.headers.connection !== 'close';
          results.ok++;
          if (Date.now() > sigtermAt) results.servedAfterSigterm++;
          if (results.ok === CLIENTS * 10) enoughBeforeSigterm.resolve();
        } catch (error) {
          connected = false;
          results.failed.push(`${path}: ${(error as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));

    // The kubelet's readiness probe: a fresh connection each period.
    const probes: number[] = [];
    const probe = (): void => {
      get(url!, { agent: new Agent({ keepAlive: false }), path: '/readyz' })
        .then(
          (res) => res.status,
          () => 0, // refused or reset: a failure too
        )
        .then((status) => {
          probes.push(status);
          // failureThreshold 1: the endpoint leaves the rotation.
          if (status !== 200) inRotation = false;
        });
      if (pod.process.exitCode === null && pod.process.signalCode === null) timers.push(setTimeout(probe, PROBE_PERIOD));
    };
    probe();

    await enoughBeforeSigterm.promise;
    sigtermAt = Date.now();
    child.process.kill('SIGTERM');
    timers.push(setTimeout(() => child?.process.kill('SIGKILL'), GRACE_PERIOD));
    await load;
    const { code, signal } = await child.exited();

    expect(results.failed, 'failed requests').to.deep.equal([]);
    expect(results.servedAfterSigterm, 'served during the drain delay').to.be.greaterThan(0);
    expect({ code, signal }, 'exited by itself, before SIGKILL').to.deep.equal({ code: 0, signal: null });
    expect(probes[0]).to.equal(200);
    expect(probes, 'readiness failed after SIGTERM').to.include(503);
    expect(child.output()).to.match(/closed \(graceful: true, drained: \d+, forced: 0\)/);
    console.log(`      ${results.ok} requests ok, ${results.servedAfterSigterm} after SIGTERM, 0 failed; probes: ${probes.join(' ')}`);
  });

  it('is cut by SIGKILL when the grace period is shorter than the drain needs (why it must exceed drainDelay + deadline)', async () => {
    const shortGrace = DRAIN_DELAY / 2;
    child = start(process.execPath, ['--import', 'tsx', 'demos/production.ts'], {
      PORT: '0',
      DRAIN_DELAY: String(DRAIN_DELAY),
      DEADLINE: String(DEADLINE),
    });
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
    const request = get(url!, { agent: new Agent({ keepAlive: false }), path: `/slow?ms=${DRAIN_DELAY * 2}` });
    const failed = request.then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await child.waitFor(/slow request for/);
    child.process.kill('SIGTERM');
    timers.push(setTimeout(() => child?.process.kill('SIGKILL'), shortGrace));
    const { signal } = await child.exited();
    expect(signal).to.equal('SIGKILL');
    expect(await failed, 'the request in flight was cut').to.equal('ECONNRESET');
    expect(child.output()).not.to.contain('closed (');
  });
});
