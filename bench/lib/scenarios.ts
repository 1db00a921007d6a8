import type { Step } from './load.js';
import type { Target } from './targets.js';
import { CODE_VERIFIER, FORM, authorizationPath, basic, clientToken, codeOf, collectCodes, exchange } from './prepare.js';
import { header } from './load.js';

/** `tessera-metrics`: the same Tessera (ES256) with /metrics on and scraped (`--metrics`), to measure what metrics cost. */
export type Implementation = 'tessera' | 'tessera-metrics' | 'oidc-provider' | 'floor';

/** What a run may prepare for: the SSO session's cookies and how many requests to expect. */
export interface RunContext {
  cookie: string;
  /** Requests the run will likely make (from the last run of the same scenario), for things used once each. */
  expectedRequests: number;
  connections: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** The steps of one iteration, prepared afresh for each run (codes and tokens are used up). */
  build(target: Target, run: RunContext): Promise<Step[]>;
}

const ok = (status: number) => status === 200;

function clientCredentials(id: string, title: string): Scenario {
  return {
    id,
    title,
    async build(target) {
      return [{ method: 'POST', path: target.paths.token, headers: { authorization: basic(target.cc), 'content-type': FORM }, body: 'grant_type=client_credentials&scope=api%3Aread', good: ok }];
    },
  };
}

/** Token exchange of a prepared code, with PKCE (RFC 7636 §4.5). */
function exchangeBody(target: Target, code: string): string {
  return new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: target.web!.redirectUri, code_verifier: CODE_VERIFIER }).toString();
}

export const SCENARIOS: Scenario[] = [
  clientCredentials('cc-es256', 'client_credentials, ES256 JWT'),
  clientCredentials('cc-rs256', 'client_credentials, RS256 JWT'),
  {
    id: 'introspection',
    title: 'introspection of an access token',
    async build(target) {
      const client = target.introspector!;
      const token = await clientToken(target, client);
      return [
        {
          method: 'POST',
          path: target.paths.introspect!,
          headers: { authorization: basic(client), 'content-type': FORM },
          body: `token=${encodeURIComponent(token)}`,
          good: ok,
          // An inactive answer would be a cheap answer: count it as a failure.
          learn: (body) => body.includes('"active":true'),
        },
      ];
    },
  },
  {
    id: 'refresh',
    title: 'refresh-token rotation',
    async build(target, run) {
      // Each connection carries on its own chain of refresh tokens; spares replace a chain that broke.
      const pool: string[] = [];
      for (const code of await collectCodes(target, run.cookie, run.connections * 2)) {
        const tokens = await exchange(target, code);
        if (!tokens.refresh_token) throw new Error(`${target.server.name}: no refresh token`);
        pool.push(tokens.refresh_token);
      }
      const web = target.web!;
      return [
        {
          method: 'POST',
          path: target.paths.token,
          headers: { authorization: basic(web), 'content-type': FORM },
          setup: (request) => ({ ...request, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(pool.pop() ?? 'none-left')}` }),
          good: ok,
          learn: (body) => {
            const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
            if (next) pool.push(next);
          },
        },
      ];
    },
  },
  {
    id: 'code-exchange',
    title: 'authorization code exchange (codes prepared in bulk)',
    async build(target, run) {
      const codes = await collectCodes(target, run.cookie, Math.ceil(run.expectedRequests * 1.3) + run.connections);
      const web = target.web!;
      return [
        {
          method: 'POST',
          path: target.paths.token,
          headers: { authorization: basic(web), 'content-type': FORM },
          // Should the codes run out, the next requests fail and show up as errors.
          setup: (request) => ({ ...request, body: exchangeBody(target, codes.pop() ?? 'none-left') }),
          good: ok,
        },
      ];
    },
  },
  {
    id: 'code-flow',
    title: 'code flow with an SSO session (/authorize + /token)',
    async build(target, run) {
      const web = target.web!;
      return [
        {
          method: 'GET',
          path: authorizationPath(target),
          headers: { cookie: run.cookie },
          good: (status) => status >= 300 && status < 400,
          learn: (_body, context, headers) => {
            context['code'] = codeOf(header(headers, 'location'));
          },
        },
        {
          method: 'POST',
          path: target.paths.token,
          headers: { authorization: basic(web), 'content-type': FORM },
          setup: (request, context) => ({ ...request, body: exchangeBody(target, String(context['code'] ?? 'none')) }),
          good: ok,
        },
      ];
    },
  },
  {
    id: 'userinfo',
    title: 'userinfo',
    async build(target, run) {
      const [code] = await collectCodes(target, run.cookie, 1);
      const tokens = await exchange(target, code!);
      return [{ method: 'GET', path: target.paths.userinfo!, headers: { authorization: `Bearer ${tokens.access_token}` }, good: ok }];
    },
  },
];
