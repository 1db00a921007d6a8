/**
 * The user's session is over: Tessera refused the refresh token (revoked, expired, or reused — a
 * reuse revokes the whole family), or the access token is spent and there is no refresh token.
 * The user must sign in again.
 */
export class SignedOutError extends Error {
  override name = 'SignedOutError';
  constructor(
    message: string,
    /** The OAuth error Tessera answered the refresh with (RFC 6749 §5.2), when it did. */
    readonly error?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How a device sign-in ended without tokens. */
export type DeviceFlowEnd = 'denied' | 'expired' | 'cancelled';

/** The device flow ended without tokens: the user said no, the code expired, or the app cancelled. */
export class DeviceFlowError extends Error {
  override name = 'DeviceFlowError';
  constructor(
    readonly reason: DeviceFlowEnd,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
