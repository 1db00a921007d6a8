import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as an operator would; `npx` to prove the documented command itself works. */
export function tessera(args: string[], input?: string, viaNpx = false, env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = viaNpx
      ? spawn('npx', ['--no-install', 'tessera', ...args], { cwd, env: { ...process.env, ...env } })
      : spawn(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Runs a CLI command that must succeed with --json, and parses its output. */
export async function tesseraJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await tessera([...args, '--json']);
  if (run.code !== 0) throw new Error(`tessera ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
