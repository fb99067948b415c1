import { type Stats, fstatSync, readFileSync, readlinkSync } from 'node:fs';
import { ListenError } from '../errors.js';

/**
 * A listening socket this process was started with: its descriptor, and the name its
 * supervisor gave it (systemd's `FileDescriptorName=`, `'unknown'` when none).
 *
 * @example
 * ```ts
 * const [first]: InheritedSocket[] = systemdSockets();
 * ```
 */
export interface InheritedSocket {
  readonly fd: number;
  readonly name: string;
}

// sd_listen_fds(3): the sockets are numbered from 3, in the order of the unit's sockets.
const SD_LISTEN_FDS_START = 3;

/**
 * The listening sockets systemd's socket activation passed to this process
 * (`LISTEN_FDS`, `LISTEN_FDNAMES`), in order, from descriptor 3. Empty when there are none,
 * or when they were passed to another process (`LISTEN_PID` is not this one's: a child
 * inherits the environment, not the sockets' meaning).
 *
 * @example
 * ```ts
 * serve({ fd: systemdSockets()[0]?.fd ?? 3, handler });
 * ```
 */
export function systemdSockets(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): InheritedSocket[] {
  const count = Number(env.LISTEN_FDS);
  if (Number(env.LISTEN_PID) !== pid || !Number.isInteger(count) || count <= 0) return [];
  const names = env.LISTEN_FDNAMES?.split(':') ?? [];
  return Array.from({ length: count }, (_, i) => ({ fd: SD_LISTEN_FDS_START + i, name: names[i] || 'unknown' }));
}

/**
 * The one socket systemd passed (or the one named `name`): its descriptor, for the `fd`
 * option. Throws a {@link ListenError} saying what was passed when it is not there.
 *
 * @example
 * ```ts
 * serve({ fd: systemdSocket(), handler, shutdown$: shutdownSignals() });
 * ```
 */
export function systemdSocket(name?: string): number {
  const sockets = systemdSockets();
  const where = name === undefined ? 'the socket systemd passes' : `the socket systemd passes as '${name}'`;
  if (sockets.length === 0) {
    throw new ListenError(where, undefined, 'this process was given none (LISTEN_FDS and LISTEN_PID are not set for it: was it started by a .socket unit?)');
  }
  if (name === undefined) {
    if (sockets.length > 1) throw new ListenError(where, undefined, `${sockets.length} were passed (${describeAll(sockets)}): give the name of one`);
    return sockets[0]!.fd;
  }
  const found = sockets.find((socket) => socket.name === name);
  if (!found) throw new ListenError(where, undefined, `none has that name (passed: ${describeAll(sockets)})`);
  return found.fd;
}

function describeAll(sockets: readonly InheritedSocket[]): string {
  return sockets.map(({ fd, name }) => `${fd} '${name}'`).join(', ');
}

/** How a descriptor is named in messages. */
export function describeFd(fd: number): string {
  return `descriptor ${fd}`;
}

/**
 * Why listening on descriptor `fd` cannot work, before node is asked (node says only
 * EINVAL for a file and for a closed descriptor); undefined for a socket.
 */
export function checkInheritedFd(fd: number): ListenError | undefined {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    return new ListenError(describeFd(fd), error as NodeJS.ErrnoException, 'it is not open in this process');
  }
  if (stats.isSocket()) return undefined;
  return new ListenError(describeFd(fd), undefined, `it is not a socket (${kindOf(stats)})`);
}

/** Why node could not listen on socket `fd`, in words. */
export function inheritedFdError(fd: number, error: NodeJS.ErrnoException): ListenError {
  // listen(2) on a connected or a datagram socket; EEXIST when this process already uses it.
  if (error.code === 'EINVAL') return new ListenError(describeFd(fd), error, 'it cannot listen (a connected socket, or not a stream socket)');
  if (error.code === 'EEXIST') return new ListenError(describeFd(fd), error, 'this process uses it already');
  return new ListenError(describeFd(fd), error);
}

/**
 * The path of the Unix socket `fd` listens on, found by its inode in /proc/net/unix (Linux;
 * node's `address()` is null for a Unix socket it did not bind itself); undefined elsewhere.
 */
export function socketPathOf(fd: number): string | undefined {
  try {
    const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
    if (inode === undefined) return undefined;
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n')) {
      const [, , , , , , lineInode, path] = line.trim().split(/\s+/);
      if (lineInode === inode && path) return path.startsWith('@') ? `\0${path.slice(1)}` : path;
    }
  } catch {
    // not Linux, or no /proc: the path is not known
  }
  return undefined;
}

function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  return 'another kind of file';
}
