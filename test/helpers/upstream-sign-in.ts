import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import * as client from 'openid-client';
import { UpstreamError, type Upstream, type UpstreamSignIn } from '../../src/core/federation/ports.js';
import { Browser } from './browser.js';

/**
 * The test's part in an upstream sign-in, standing in for the core (state, nonce and verifier kept
 * per sign-in) and the browser (fetch and cookies through the provider's form). No Tessera runs:
 * the redirect back to it is where the browser stops, and its URL is the callback.
 */

export const REDIRECT = 'http://127.0.0.1:9/federation/acme/callback';

export function newSignIn(): UpstreamSignIn {
  return { redirectUri: REDIRECT, state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
}

/** From the authorization URL, through the provider's sign-in form, to the callback URL. */
export async function signInAt(upstream: Upstream, issuer: string, user: { username: string; password: string }, signIn = newSignIn()) {
  const url = await upstream.authorizationUrl(signIn);
  const callback = await new Browser(issuer).authorize(url, user);
  return { url: new URL(url), callback: callback.href, signIn };
}

export async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the sign-in to be refused');
}

/** A message shown to people holds no markup, no stack and none of the flow's secrets. */
export function assertSafe(error: UpstreamError, ...secrets: string[]): void {
  assert.doesNotMatch(error.message, /[<>]|\n\s+at /);
  for (const secret of secrets) assert.ok(!error.message.includes(secret), `message leaks ${secret}`);
}

export function codeOf(callback: string): string {
  return new URL(callback).searchParams.get('code') ?? '';
}

export async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - start };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and never answers: a provider that hangs. */
export async function silentServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
