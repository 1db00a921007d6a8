import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The process environment without the caller's own Tessera settings, so only what a test gives applies. */
export function cleanEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TESSERA_'));
  return { ...Object.fromEntries(inherited), ...extra };
}

/** Runs a program to its end: its exit code and all it wrote; `input` goes to its stdin. */
export function runProcess(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}), env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built CLI as an operator would; `npx` to prove the documented command itself works. */
export function tessera(args: string[], input?: string, viaNpx = false, env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  const options = { cwd, env: { ...process.env, ...env } as Record<string, string>, input: input ?? '' };
  return viaNpx ? runProcess('npx', ['--no-install', 'tessera', ...args], options) : runProcess(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], options);
}

/** Runs a CLI command that must succeed with --json, and parses its output. */
export async function tesseraJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await tessera([...args, '--json']);
  if (run.code !== 0) throw new Error(`tessera ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
