import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from here so `--import tsx` resolves. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** A message between a bench and its children: always an object with a `type`. */
export interface Message {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A node child process spoken to over IPC. */
export interface NodeChild {
  readonly process: ChildProcess;
  send(message: Message): void;
  /** Resolves with the next message of `type` not yet taken; rejects if the child exits first or `timeout` ms pass. */
  next<T extends Message = Message>(type: string, timeout?: number): Promise<T>;
  /** Kills the child (SIGKILL) and resolves once it has exited. */
  kill(): Promise<void>;
  /** Closes the IPC channel, so the child exits by itself (flushing a --cpu-prof), and waits for it. */
  close(): Promise<void>;
}

/**
 * Runs `node --import tsx script ...args` in a child process with an IPC channel; when
 * `fdLimit` is given, under `ulimit -n fdLimit` (through bash: node cannot raise its own
 * limit); when `cpu` is, pinned to that core (`taskset -c`), so a server and its load each
 * have a core of their own on a shared machine.
 */
export function spawnNode(
  script: string,
  args: string[],
  options: { fdLimit?: number | 'max'; nodeArgs?: string[]; cpu?: number } = {},
): NodeChild {
  const node = [
    ...(options.cpu === undefined ? [] : ['taskset', '-c', String(options.cpu)]),
    process.execPath,
    ...(options.nodeArgs ?? []),
    '--import',
    'tsx',
    script,
    ...args,
  ];
  const limit = options.fdLimit === 'max' ? '$(ulimit -Hn)' : options.fdLimit;
  const child =
    limit === undefined
      ? spawn(node[0]!, node.slice(1), { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn('bash', ['-c', `ulimit -n ${limit} && exec "$@"`, 'bash', ...node], {
          cwd: root,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
  const inbox: Message[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  // A message sent before the child listens is dropped: hold them until it says `up`.
  let outbox: Message[] | undefined = [];
  child.on('message', (message: Message) => {
    if (message.type === 'up') {
      for (const held of outbox ?? []) child.send(held);
      outbox = undefined;
      return;
    }
    inbox.push(message);
    for (const check of [...waiters]) check();
  });
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const check of [...waiters]) check();
      resolve();
    }),
  );
  return {
    process: child,
    send: (message) => (outbox ? outbox.push(message) : child.send(message)),
    next: <T extends Message>(type: string, timeout = 120_000) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no '${type}' from ${script} within ${timeout} ms`));
        }, timeout);
        const check = (): void => {
          const index = inbox.findIndex((message) => message.type === type);
          if (index >= 0) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(inbox.splice(index, 1)[0] as T);
          } else if (exited) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`${script} exited before sending '${type}'`));
          }
        };
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
    close: async () => {
      if (child.connected) child.disconnect();
      await exit;
    },
  };
}

/** Sends a message to the parent (a child's side of {@link spawnNode}). */
export function toParent(message: Message): void {
  process.send?.(message);
}

/**
 * Calls `handle` for each message from the parent, and tells the parent it listens (until
 * then {@link spawnNode} holds what it sends); the child exits when the parent goes.
 */
export function fromParent(handle: (message: Message) => void): void {
  process.on('message', (message: Message) => handle(message));
  process.once('disconnect', () => process.exit(0));
  toParent({ type: 'up' });
}
