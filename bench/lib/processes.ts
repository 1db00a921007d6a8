import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** `taskset` pins a process to a core; without it (or with one core) nothing is pinned and the report says so. */
export function canPin(): boolean {
  return process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Resident and peak resident memory in MB, from /proc (undefined off Linux). */
  memory(): { rssMb: number; peakMb: number } | undefined;
  /** CPU seconds (user + system, every thread) the process has used so far, from /proc (undefined off Linux). */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a server process in production mode, on `core` when pinning works, with its output in
 * `logFile`, and waits until `readyPath` answers.
 */
export async function startServerProcess(options: {
  name: string;
  url: string;
  args: string[];
  core: number | undefined;
  logFile: string;
  readyPath: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const out = openSync(options.logFile, 'a');
  const command = options.core === undefined ? [process.execPath, ...options.args] : ['taskset', '-c', String(options.core), process.execPath, ...options.args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', out, out],
  });
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`${options.name} ${exited} before it was ready; see ${options.logFile}`);
    try {
      const res = await fetch(options.url + options.readyPath);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`${options.name} did not start within 30 s; see ${options.logFile}`);
    await sleep(100);
  }
  return {
    name: options.name,
    url: options.url,
    child,
    memory() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
        return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
      } catch {
        return undefined;
      }
    },
    cpuSeconds() {
      try {
        // proc(5): after the ")" that ends the command name, utime and stime are fields 14 and 15 of
        // the whole line, in clock ticks (USER_HZ, 100 on Linux).
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
