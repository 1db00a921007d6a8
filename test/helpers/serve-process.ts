import { spawn } from 'node:child_process';
import { cleanEnvironment, ROOT, type Run } from './cli.js';
import { freePort } from './server.js';

/*
 * `tessera serve` from the build, as its own process, the way an operator starts it: for the tests
 * of what serve prints and refuses. Only the Tessera settings a test gives apply (cleanEnvironment).
 */

export interface ServeRun {
  issuer: string;
  stdout: string;
  stderr: string;
}

/**
 * Starts `tessera serve` with these flags on a free port, waits until it answers /health, runs
 * `whileUp`, stops it (SIGTERM) and returns everything it wrote.
 */
export async function serveWhileUp(dataDir: string, args: string[], env: Record<string, string> = {}, whileUp: (issuer: string) => Promise<void> = async () => {}): Promise<ServeRun> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port), '--issuer', issuer, '--data', dataDir, ...args], { cwd: ROOT, env: cleanEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`tessera serve exited: ${stderr}`);
      if (await fetch(`${issuer}/health`).then((r) => r.ok, () => false)) break;
      if (i > 150) throw new Error(`tessera serve did not answer: ${stdout} ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await whileUp(issuer);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return { issuer, stdout, stderr };
}

/** `tessera serve` that must refuse to start (killed after 15 s if it does not): its exit code and output. */
export async function refusedServe(dataDir: string, args: string[], env: Record<string, string> = {}, port?: number): Promise<Run> {
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port ?? (await freePort())), '--data', dataDir, ...args], { cwd: ROOT, env: cleanEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
