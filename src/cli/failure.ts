import { CliError, printableLine } from './output.js';

/**
 * The one way every failure of the `tessera` command begins, whoever noticed it: commander (an
 * unknown option, a missing argument), a check of the input, the store, the network. Scripts
 * and people look for one shape (`tessera: error: …`, as `prog: error: …` in many CLIs).
 */
export const ERROR_PREFIX = 'tessera: error: ';

/** Writes one failure line to stderr: the prefix, then the message escaped and cut as one safe line. */
export function reportError(message: string): void {
  process.stderr.write(`${ERROR_PREFIX}${printableLine(message)}\n`);
}

/** commander's own messages ("error: unknown option '--x'\n(Did you mean --y?)\n") in the same one-line shape. */
export function commanderError(text: string): void {
  reportError(text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' '));
}

/**
 * Errors that name their cause in their message, so one line says it all: a system call that
 * failed (a file, a directory, a socket: `code` ENOENT, EACCES, ENOTDIR…), the embedded store
 * (better-sqlite3's SqliteError, `code` SQLITE_…) or PostgreSQL (a five-character SQLSTATE).
 * Anything else is a fault of Tessera's, whose stack is worth reporting.
 */
export function namesItsCause(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  const { code, syscall } = e as Error & { code?: unknown; syscall?: unknown };
  if (typeof code !== 'string') return false;
  return typeof syscall === 'string' || e.name === 'SqliteError' || /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Why `serve` could not listen, in words that say what to do. Node reports EADDRINUSE, EACCES
 * (a port below 1024 without the privilege) and EADDRNOTAVAIL (an address this machine lacks) as
 * errors with a stack; an operator wants the one line.
 */
export function listenFailure(e: unknown, port: number, host: string): Error {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} is already in use on ${host}: stop what uses it or pass --port`);
  if (code === 'EACCES') return new CliError(`no permission to listen on port ${port} (ports below 1024 need privileges): pass --port 1024 or above, or put a proxy in front`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`cannot listen on ${host}: this machine has no such address; pass --host`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`cannot listen on ${host}: the host name does not resolve; pass --host with an address`);
  return e instanceof Error ? e : new Error(String(e));
}
