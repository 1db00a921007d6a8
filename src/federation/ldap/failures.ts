import { ConfidentialityRequiredError, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, StrongAuthRequiredError } from 'ldapts';
import type { LdapSettings } from '../../core/federation/ports.js';

/** Where talking to the directory went wrong: the operator's message depends on it. */
export type Stage = 'ca_file' | 'connect' | 'starttls' | 'service_bind' | 'search' | 'filter';

export class LdapFailure extends Error {
  override name = 'LdapFailure';
  constructor(
    readonly stage: Stage,
    cause: unknown,
    /** The DN searched (stage 'search'), or the filter (stage 'filter'). */
    readonly subject?: string,
  ) {
    super(`${stage}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The directory took longer than the provider's timeout (our own deadline, or ldapts's per operation). */
export class LdapTimeout extends Error {
  override name = 'LdapTimeout';
}

export function isTimeout(error: unknown): boolean {
  const cause = error instanceof LdapFailure ? error.cause : error;
  return cause instanceof LdapTimeout || (cause instanceof Error && /timed? ?out/i.test(cause.message));
}

/** An answer from the directory (a result code), as opposed to a connection that failed or stalled. */
export function isResult(error: unknown): boolean {
  return (error instanceof LdapFailure ? error.cause : error) instanceof ResultCodeError;
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE']);

/** A sentence an operator can act on (`tessera idp test`); never a password. */
export function operatorMessage(error: unknown, settings: LdapSettings): string {
  const stage = error instanceof LdapFailure ? error.stage : undefined;
  const cause = error instanceof LdapFailure ? error.cause : error;
  const where = hostOf(settings.url);
  const code = typeof (cause as { code?: unknown })?.code === 'string' ? (cause as { code: string }).code : undefined;
  const detail = cause instanceof Error ? cause.message : String(cause);

  if (stage === 'ca_file') return `cannot read the CA file ${settings.caFile ?? ''}: ${detail}`;
  if (isTimeout(cause)) return `${where} did not answer within ${settings.timeoutMs} ms (${stage === 'search' ? 'searching' : 'connecting and binding'})`;
  if (code === 'ECONNREFUSED') return `cannot reach ${where}: connection refused (is the directory running, and is this its port?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host of ${where}`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot reach ${where}: no route to the host`;
  if (code !== undefined && UNTRUSTED.has(code))
    return `the TLS certificate of ${where} is not signed by a CA this server trusts (${code}: ${detail}); give the CA that signed it with --ca-file`;
  if (code === 'CERT_HAS_EXPIRED') return `the TLS certificate of ${where} has expired`;
  if (code === 'CERT_NOT_YET_VALID') return `the TLS certificate of ${where} is not valid yet (check the clocks)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the TLS certificate of ${where} is not for this host name: ${detail}`;
  const ports = "ldaps:// needs the directory's TLS port (636), ldap:// (with or without --start-tls) its plain port (389)";
  if (code?.startsWith('ERR_SSL_') || code === 'ECONNRESET') return `TLS with ${where} failed (${detail}); ${ports}`;
  // What ldapts says when the server hangs up instead of answering, as a TLS port does to plain LDAP.
  if (/^Connection closed before message response/.test(detail)) return `${where} closed the connection ${describeStage(stage)} instead of answering; ${ports}`;
  if (stage === 'starttls' && cause instanceof ResultCodeError) return `${where} refused StartTLS (${detail}); is TLS configured on the directory?`;
  if (cause instanceof ConfidentialityRequiredError || cause instanceof StrongAuthRequiredError)
    return `${where} requires a protected connection: use ldaps:// or --start-tls (${detail})`;
  if (stage === 'service_bind' && cause instanceof InvalidCredentialsError)
    return `${where} refused the service account: wrong bind DN or password for ${settings.bindDn}`;
  const subject = error instanceof LdapFailure ? error.subject : undefined;
  if (stage === 'search' && cause instanceof NoSuchObjectError) return `${subject ?? 'the base DN'} does not exist in ${where} (or the service account may not read it)`;
  if (stage === 'filter' && !(cause instanceof Error && 'code' in cause && typeof cause.code === 'string'))
    return `the filter ${subject ?? ''} does not work with ${where}: ${detail}`;
  if (cause instanceof ResultCodeError) return `${where} answered ${cause.name} (result ${cause.code}) ${describeStage(stage)}: ${detail}`;
  return `${where}: ${detail} ${describeStage(stage)}`.trim();
}

function describeStage(stage: Stage | undefined): string {
  switch (stage) {
    case 'connect':
      return 'while connecting';
    case 'starttls':
      return 'during StartTLS';
    case 'service_bind':
      return 'when binding as the service account';
    case 'search':
    case 'filter':
      return 'when searching';
    default:
      return '';
  }
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return url;
  }
}
