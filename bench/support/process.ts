// A server in its own process for a benchmark, so its RSS and CPU are its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A server process started from a bench script, with the url it printed first. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Lines the server printed after its url. */
  readonly lines: AsyncIterableIterator<string>;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> ...args` and waits for the url it prints.
 *
 * @example
 * ```ts
 * const server = await startServer('bench/support/streaming-server.ts');
 * ```
 */
export async function startServer(
  script: string,
  args: string[] = [],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${script} ${args.join(' ')} exited before printing its url`);
  return {
    url: first.value,
    child,
    lines,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
