import { CliError } from './output.js';

/** Reads a secret from standard input (so it never shows in the process list or shell history). */
export async function readSecretFromStdin(flag: string): Promise<string> {
  if (process.stdin.isTTY) throw new CliError(`${flag} expects the secret on standard input, e.g. a pipe`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
