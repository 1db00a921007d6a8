import * as oidc from 'openid-client';
import { connect, type ConnectOptions } from './connect.js';
import { DeviceFlowError } from './errors.js';
import { UserClient, type SignedIn } from './user-client.js';

/** What the device flow reports while it runs. */
export type DeviceProgress =
  /** Show these to the user: where to go, and the code to enter there (RFC 8628 §3.3). */
  | { type: 'code'; userCode: string; verificationUri: string; verificationUriComplete?: string; expiresIn: number; interval: number }
  /** A poll: the user has not answered yet. `interval` is the wait before the next one. */
  | { type: 'pending'; interval: number }
  /** A poll Tessera found too early: it waits 5 seconds longer from now on (RFC 8628 §3.5). */
  | { type: 'slow_down'; interval: number };

export interface DeviceSignInOptions {
  /** Default `openid`; add `offline_access` for a refresh token. */
  scope?: string;
  /** The API the access token is for (RFC 8707). */
  resource?: string;
  /** Stops waiting; the sign-in then fails with DeviceFlowError `cancelled`. */
  signal?: AbortSignal;
  onProgress?: (progress: DeviceProgress) => void;
}

export interface DeviceFlowOptions extends ConnectOptions {
  /** Refresh this many seconds before the access token expires (default 30, at most half its lifetime). */
  refreshEarlySeconds?: number;
}

/**
 * Signs a user in on a device without a browser, or with no keyboard to speak of (RFC 8628): the
 * user approves on another device; openid-client polls Tessera, and every poll is reported.
 */
export class DeviceFlowClient extends UserClient {
  /** Poll watchers by device code: the polling itself stays inside openid-client, seen here on the wire. */
  readonly #watchers = new Map<string, (error: string | undefined) => void>();

  constructor(configuration: oidc.Configuration, options: Pick<DeviceFlowOptions, 'refreshEarlySeconds'> = {}) {
    super(configuration, options.refreshEarlySeconds);
    const send: oidc.CustomFetch = configuration[oidc.customFetch] ?? ((url, init) => fetch(url, init as RequestInit));
    configuration[oidc.customFetch] = async (url, init) => {
      const response = await send(url, init);
      const deviceCode = init.body instanceof URLSearchParams ? init.body.get('device_code') : null;
      const watcher = deviceCode === null ? undefined : this.#watchers.get(deviceCode);
      if (watcher !== undefined) watcher(await errorCode(response));
      return response;
    };
  }

  /** Runs the flow to its end: the user's tokens, or a DeviceFlowError (`denied`, `expired`, `cancelled`). */
  async signIn(options: DeviceSignInOptions = {}): Promise<SignedIn> {
    const { signal, onProgress } = options;
    const device = await oidc.initiateDeviceAuthorization(this.configuration, {
      scope: options.scope ?? 'openid',
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
    });
    let interval = device.interval ?? 5;
    onProgress?.({
      type: 'code',
      userCode: device.user_code,
      verificationUri: device.verification_uri,
      ...(device.verification_uri_complete !== undefined ? { verificationUriComplete: device.verification_uri_complete } : {}),
      expiresIn: device.expires_in,
      interval,
    });
    this.#watchers.set(device.device_code, (error) => {
      if (error === 'slow_down') onProgress?.({ type: 'slow_down', interval: (interval += 5) });
      else if (error === 'authorization_pending') onProgress?.({ type: 'pending', interval });
    });
    // openid-client stops at expires_in unless given a signal of the app's own: keep both.
    const expiry = AbortSignal.timeout(device.expires_in * 1000);
    const stop = signal === undefined ? expiry : AbortSignal.any([signal, expiry]);
    const stopped = rejectOnAbort(stop);
    try {
      stop.throwIfAborted();
      const polling = oidc.pollDeviceAuthorizationGrant(this.configuration, device, undefined, { signal: stop });
      // openid-client sees an abort only between steps of its wait (up to 5 s): answer the app at once.
      polling.catch(() => undefined);
      return this.signedIn(await Promise.race([polling, stopped.promise]));
    } catch (e) {
      throw ending(e, signal, expiry) ?? e;
    } finally {
      stopped.dispose();
      this.#watchers.delete(device.device_code);
    }
  }
}

/** A promise that rejects when `signal` aborts, until disposed. */
function rejectOnAbort(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let listener: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    listener = () => reject(signal.reason);
    signal.addEventListener('abort', listener, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', listener) };
}

/** The OAuth error of a token response (RFC 6749 §5.2), undefined for anything else. */
async function errorCode(response: Response): Promise<string | undefined> {
  if (response.status !== 400) return undefined;
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 8628 §3.5: how the flow ended, when it ended in one of the ways a user or app causes. */
function ending(e: unknown, signal: AbortSignal | undefined, expiry: AbortSignal): DeviceFlowError | undefined {
  if (signal?.aborted) return new DeviceFlowError('cancelled', 'the device sign-in was cancelled', { cause: e });
  if (e instanceof oidc.ResponseBodyError && e.error === 'access_denied') return new DeviceFlowError('denied', 'the user denied the sign-in', { cause: e });
  if ((e instanceof oidc.ResponseBodyError && e.error === 'expired_token') || expiry.aborted) {
    return new DeviceFlowError('expired', 'the code expired before the user answered', { cause: e });
  }
  return undefined;
}

/** Discovers Tessera and returns the device's client (usually a public client: no secret). */
export async function deviceFlow(options: DeviceFlowOptions): Promise<DeviceFlowClient> {
  return new DeviceFlowClient(await connect(options), options);
}
