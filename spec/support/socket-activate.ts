import { execFileSync } from 'node:child_process';
import { type Child, start } from './child.js';

/** Why systemd-socket-activate cannot run here, or undefined when it can. */
export function socketActivateMissing(): string | undefined {
  try {
    execFileSync('systemd-socket-activate', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'systemd-socket-activate is not installed (Debian package systemd)';
  }
}

/**
 * `systemd-socket-activate --listen <address> [flags] node --import tsx <script>`: the
 * socket is made now, the script is started by the first connection, with it as fd 3. The
 * tool clears the environment it execs with, so `env` goes in as `--setenv` flags.
 */
export function socketActivate(address: string, script: string, env: Record<string, string>, flags: readonly string[] = []): Child {
  const setenv = Object.entries(env).map(([name, value]) => `--setenv=${name}=${value}`);
  return start('systemd-socket-activate', ['--listen', address, ...flags, ...setenv, process.execPath, '--import', 'tsx', script], {});
}
