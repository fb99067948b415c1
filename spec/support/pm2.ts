import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './child.js';

const run = promisify(execFile);
const PM2 = join(root, 'node_modules', '.bin', 'pm2');

/** A pm2 daemon of a test's own: its PM2_HOME in a temp folder, killed with its processes by `stop()`. */
export interface Pm2 {
  /** Its PM2_HOME: a temp folder, removed by `stop()`. */
  readonly home: string;
  /** Runs `pm2 ...args` against this daemon, with `env` added; resolves with its output. */
  command(args: readonly string[], env?: Record<string, string>): Promise<string>;
  /** What the daemon logged (pm2.log). */
  log(): string;
  /**
   * What the daemon logged, once `pattern` (global) occurs `count` times in it: the daemon
   * logs a worker's exit when it sees it, which can be after it answered the command.
   * Rejects with the log after `timeoutMs`.
   */
  logged(pattern: RegExp, count: number, timeoutMs?: number): Promise<string>;
  /** What the apps printed, every worker's out and error log one after the other. */
  appOutput(): string;
  /** `pm2 kill`, then removes the folder. */
  stop(): Promise<void>;
}

/** Starts nothing yet: the daemon starts with the first command. */
export function pm2Home(): Pm2 {
  const home = mkdtempSync(join(tmpdir(), 'rxserve-pm2-'));
  const command = async (args: readonly string[], env: Record<string, string> = {}): Promise<string> => {
    const { stdout, stderr } = await run(PM2, [...args], { cwd: root, env: { ...process.env, ...env, PM2_HOME: home }, maxBuffer: 16 * 2 ** 20 });
    return stdout + stderr;
  };
  const log = (): string => readIfThere(join(home, 'pm2.log'));
  return {
    home,
    command,
    log,
    logged: (pattern, count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const text = log();
          if ((text.match(pattern)?.length ?? 0) < count) return false;
          watcher.close();
          clearTimeout(timer);
          resolve(text);
          return true;
        };
        const watcher = watch(join(home, 'pm2.log'), () => void check());
        const timer = setTimeout(() => {
          watcher.close();
          reject(new Error(`pm2.log never showed ${pattern} ${count} times:\n${log()}`));
        }, timeoutMs);
        check();
      }),
    appOutput: () => readdirSync(join(home, 'logs')).map((name) => readIfThere(join(home, 'logs', name))).join(''),
    async stop() {
      await command(['kill']).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
