import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ListenError } from '../errors.js';

/** How a Unix domain socket path is named in messages and urls. */
export function describeSocketPath(path: string): string {
  return `the Unix socket ${path}`;
}

/**
 * Makes `path` ready to bind, or says why it cannot be: its folder must exist; a socket
 * file left there by a server that did not close (a crash, a SIGKILL) is removed, because
 * nothing answers on it; a socket a live server answers on, or any other kind of file, is
 * left alone and is the error. Abstract sockets (`\0name`, Linux) have no file to check.
 */
export async function prepareSocketPath(path: string): Promise<ListenError | undefined> {
  if (path.startsWith('\0') || process.platform === 'win32') return undefined;
  const where = describeSocketPath(path);
  const folder = dirname(path);
  // Loaded here: only a server that listens on a path needs it.
  const { lstat, stat, unlink } = process.getBuiltinModule('node:fs/promises');
  const folderStat = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (folderStat instanceof Error) {
    return new ListenError(where, folderStat, folderStat.code === 'ENOENT' ? `its folder ${folder} does not exist` : undefined);
  }
  if (!folderStat.isDirectory()) return new ListenError(where, undefined, `${folder} is not a folder`);
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => error);
  if (existing instanceof Error) return existing.code === 'ENOENT' ? undefined : new ListenError(where, existing);
  if (!existing.isSocket()) {
    return new ListenError(where, undefined, 'a file that is not a socket is at that path (rxserve removes only a stale socket)');
  }
  if (await answers(path)) return new ListenError(where, undefined, 'another server is listening on it');
  await unlink(path).catch(() => undefined);
  return undefined;
}

/** Why binding `path` failed, in the words of a Unix socket rather than of a port. */
export function socketPathError(path: string, error: NodeJS.ErrnoException): ListenError {
  const where = describeSocketPath(path);
  if (error.code === 'EACCES') return new ListenError(where, error, `permission denied (this user cannot create a file in ${dirname(path)})`);
  if (error.code === 'EADDRINUSE') return new ListenError(where, error, 'another server took the path first');
  return new ListenError(where, error);
}

// A connect is refused at once when nothing listens on the socket; a live server's kernel
// queue accepts it even if the server is busy.
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'));
  });
}
