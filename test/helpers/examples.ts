import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './cli.js';
import { freePort, type TestServer } from './server.js';

export interface Example {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; fails after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  stop(): void;
}

/** Runs one of examples/*.mjs exactly as its header says, with `env`. */
export function runExample(file: string, env: Record<string, string>): Example {
  const child = spawn(process.execPath, [`examples/${file}`], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    process: child,
    output: () => output,
    async waitFor(pattern, ms = 15000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${file} did not print ${pattern} (exit ${child.exitCode}): ${output}`);
        await sleep(50);
      }
    },
    exited: () => exit,
    stop: () => child.kill('SIGTERM'),
  };
}

/** The notes API and web app of examples/, registered at `server` as the client "Notes" and running on free ports. */
export interface NotesApp {
  appUrl: string;
  web: Example;
  stop(): void;
}

export async function startNotesApp(server: TestServer): Promise<NotesApp> {
  const api = runExample('notes-api.mjs', { TESSERA_ISSUER: server.issuer, PORT: String(await freePort()) });
  const apiUrl = (await api.waitFor(/notes API listening on (\S+)/))[1]!;
  const appUrl = `http://127.0.0.1:${await freePort()}`;
  const client = await server.addClient({
    name: 'Notes',
    redirectUris: [`${appUrl}/callback`],
    postLogoutRedirectUris: [`${appUrl}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'offline_access', 'notes:read', 'notes:write'],
  });
  const web = runExample('notes-web.mjs', { TESSERA_ISSUER: server.issuer, CLIENT_ID: client.clientId, CLIENT_SECRET: client.secret!, NOTES_API: apiUrl, PORT: new URL(appUrl).port, APP_URL: appUrl });
  await web.waitFor(/notes web app listening/);
  return {
    appUrl,
    web,
    stop() {
      web.stop();
      api.stop();
    },
  };
}
