// Starts the real `meridian` command in a child process on ephemeral ports and reads its structured logs, so
// integration tests exercise exactly what an operator runs, and a crash cannot hide inside the test process.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MERIDIAN_BIN = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly host: string;
  readonly port: number;
  /** Where the admin server listens (see StartOptions.adminHost). */
  readonly adminHost: string;
  readonly adminPort: number | undefined;
  readonly logs: LogLine[];
  /** Resolves with the first log line (already seen or yet to come) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Still running? */
  alive(): boolean;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  readonly zonesDir: string;
  readonly host?: string;
  /** The port to listen on at `host` (default 0: an ephemeral port). */
  readonly port?: number;
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
  /** Called with each log line as it arrives, from the first: lets a test act at a point of the start-up. */
  readonly onLog?: (line: LogLine) => void;
  /**
   * Run the server inside this network namespace (`ip netns exec NS node ...`, see test/helpers/netns-lab.ts).
   * Then `host` should be the instance's address there: the test reaches the server at it from outside.
   */
  readonly netns?: string;
  /** The admin server's address (port 0): `host` when `netns` is set, else 127.0.0.1. */
  readonly adminHost?: string;
}

/** SIGTERM drains (see `meridian serve --drain-delay`); tests stop servers without the production delay. */
const DRAIN_FOR_TESTS = ['--drain-delay', '0s', '--drain-timeout', '2s'];

export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const host = options.host ?? '127.0.0.1';
  const adminHost = options.adminHost ?? (options.netns !== undefined ? host : '127.0.0.1');
  const nodeArgs = [
    ...(process.env.MERIDIAN_TEST_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    MERIDIAN_BIN,
    'serve',
    '--zones',
    options.zonesDir,
    '--listen',
    `${host}:${options.port ?? 0}`,
    '--admin',
    `${adminHost}:0`,
    '--log-level',
    'debug',
    ...DRAIN_FOR_TESTS,
    ...(options.args ?? []),
  ];
  // `ip netns exec` execs the command itself, so the child's pid (and its signals) are still node's.
  const child = spawn(
    options.netns !== undefined ? 'ip' : process.execPath,
    options.netns !== undefined ? ['netns', 'exec', options.netns, process.execPath, ...nodeArgs] : nodeArgs,
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: LogLine[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let buffered = '';
  let exited = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 'raw', msg: text };
      }
      logs.push(line);
      options.onLog?.(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stdout.resume();
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(
          waiters.findIndex((w) => w.resolve === done),
          1,
        );
        reject(new Error(`no matching log line within ${timeoutMs} ms; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      const done = (line: LogLine) => {
        clearTimeout(timer);
        resolve(line);
      };
      waiters.push({ predicate, resolve: done });
      void exit.then((code) => {
        if (waiters.some((w) => w.resolve === done)) {
          clearTimeout(timer);
          reject(new Error(`meridian exited (${code}) before the expected log line; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
        }
      });
    });
  };

  const listening = await waitForLog((l) => l.msg === 'listening', options.startTimeoutMs ?? 15_000);
  const admin = await waitForLog((l) => l.msg === 'admin listening', 5_000).catch(() => undefined);
  return {
    child,
    host,
    port: listening.port as number,
    adminHost,
    adminPort: admin?.port as number | undefined,
    logs,
    waitForLog,
    alive: () => !exited,
    async stop(signal = 'SIGTERM') {
      if (!exited) child.kill(signal);
      return exit;
    },
  };
}
