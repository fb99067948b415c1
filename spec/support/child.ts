import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The repository root, where demos and package.json live. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** A child process whose output is collected, and that can be awaited for a line. */
export interface Child {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output, once it is printed. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code and signal, once the process has exited and its output is read. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command` in the repository root with `env` added, collecting its output; `ipc` opens a `process.send` channel. */
export function start(command: string, args: string[], env: Record<string, string>, detached = false, ipc = false): Child {
  const stdio: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])];
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached, stdio });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // 'close', not 'exit': by then the output is read whole, so a last line is never missed.
  const exit = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    process: child,
    output: () => output,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = output.match(pattern);
          if (match) {
            waiters.delete(check);
            resolve(match);
          }
        };
        waiters.add(check);
        check();
        void exit.then(() => {
          if (waiters.delete(check)) reject(new Error(`exited before printing ${pattern}; output:\n${output}`));
        });
      }),
    exited: () => exit,
  };
}
