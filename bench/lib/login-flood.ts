/**
 * The login-flood scenario (issue 15 §5): 400 wrong passwords at once from one address while
 * other people sign in with their right password from their own addresses. It measures how many
 * argon2 checks the flood made the server run, and what it cost the real sign-ins. Tessera only.
 */
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ARGON2 } from '../../src/core/accounts/passwords.js';
import { floodSummary, floodTables, type FloodRep } from './login-flood-report.js';
import { tallySignIns } from './sign-in-audit.js';
import { openSignInForm, submitSignIn, type SignInAnswer, type SignInForm } from './sign-in-requests.js';
import { createUser, serveTessera, type StartOptions } from './targets.js';

export const LOGIN_FLOOD = 'login-flood';

const FLOOD_REQUESTS = 400;
const FLOOD_ADDRESS = '203.0.113.10';
/** Existing accounts whose passwords the flood guesses, in turn. */
const VICTIMS = ['victim-1', 'victim-2', 'victim-3', 'victim-4'];
/** People who sign in with their right password, each from an address of their own. */
const PEOPLE = Array.from({ length: 8 }, (_, i) => `person-${i + 1}`);
const PASSWORD = 'a long benchmark passphrase 7';
/**
 * Real sign-ins per phase, one started every INTERVAL_MS whatever the answers (an open loop):
 * a slow server cannot slow down the arrivals and so hide its latency.
 */
const REAL_SIGN_INS = 48;
const INTERVAL_MS = 40;

const addresses = (prefix: string) => PEOPLE.map((_, i) => `${prefix}.${i + 1}`);
const WARM_UP = addresses('192.0.2');
const BASELINE = addresses('198.51.100');
const UNDER_FLOOD = addresses('198.51.101');

/** The accounts, made once with the CLI; each repetition runs on a fresh copy, so no lock or count carries over. */
async function prepareStore(workDir: string): Promise<string> {
  const data = join(workDir, 'login-flood-store');
  mkdirSync(data);
  for (const victim of VICTIMS) await createUser(data, victim, randomBytes(18).toString('base64url'));
  for (const person of PEOPLE) await createUser(data, person, PASSWORD);
  return data;
}

/** Sign-in form `i` is opened from its person's address in a fresh browser (no device cookie: the strictest counting). */
async function openForms(url: string, from: string[]): Promise<SignInForm[]> {
  const forms: SignInForm[] = [];
  for (let i = 0; i < REAL_SIGN_INS; i++) forms.push(await openSignInForm(url, from[i % PEOPLE.length]!));
  return forms;
}

function realSignIns(url: string, forms: SignInForm[]): Promise<SignInAnswer[]> {
  return Promise.all(
    forms.map(async (form, i) => {
      await sleep(i * INTERVAL_MS);
      return submitSignIn(url, form, PEOPLE[i % PEOPLE.length]!, PASSWORD);
    }),
  );
}

/** All at once, as one browser would send them if scripted (one CSRF token, one cookie). */
async function flood(url: string, form: SignInForm): Promise<{ answers: SignInAnswer[]; ms: number }> {
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: FLOOD_REQUESTS }, (_, i) => submitSignIn(url, form, VICTIMS[i % VICTIMS.length]!, `wrong guess ${i}`)));
  return { answers, ms: performance.now() - started };
}

async function runRep(rep: number, store: string, options: StartOptions): Promise<FloodRep> {
  const data = join(options.workDir, `login-flood-rep-${rep}`);
  cpSync(store, data, { recursive: true });
  const server = await serveTessera(`tessera-login-flood-${rep}`, data, options, ['--trust-proxy']);
  let measured: Omit<FloodRep, 'audit'>;
  try {
    const url = server.url;
    for (const [i, person] of PEOPLE.entries()) {
      const answer = await submitSignIn(url, await openSignInForm(url, WARM_UP[i]!), person, PASSWORD);
      if (answer.status !== 303) throw new Error(`warm-up: ${person}'s sign-in answered ${answer.status}, not 303`);
    }
    const baseline = await realSignIns(url, await openForms(url, BASELINE));
    const floodForm = await openSignInForm(url, FLOOD_ADDRESS);
    const forms = await openForms(url, UNDER_FLOOD);
    const [attack, underFlood] = await Promise.all([flood(url, floodForm), realSignIns(url, forms)]);
    measured = { rep, baseline, underFlood, flood: attack.answers, floodMs: attack.ms };
  } finally {
    await server.stop();
  }
  const audit = await tallySignIns(data, { flood: new Set([FLOOD_ADDRESS]), baseline: new Set(BASELINE), underFlood: new Set(UNDER_FLOOD) });
  const signedIn = measured.baseline.filter((a) => a.status === 303).length;
  // Had the server ignored X-Forwarded-For, the events would all carry the load generator's address.
  if ((audit.baseline.outcomes['success'] ?? 0) !== signedIn) throw new Error(`the audit log shows ${audit.baseline.outcomes['success'] ?? 0} sign-ins from the baseline addresses, not ${signedIn}`);
  return { ...measured, audit };
}

/** How long one argon2 check with Tessera's default parameters takes here, on the load generator's core. */
async function argon2CheckMs(): Promise<number> {
  const options = { ...DEFAULT_ARGON2, algorithm: 2 as never }; // Algorithm.Argon2id, as Tessera hashes
  const stored = await hash(PASSWORD, options);
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const started = performance.now();
    await verify(stored, `wrong ${i}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[5]!;
}

export async function runLoginFlood(options: StartOptions & { reps: number }): Promise<{ printed: string; record: Record<string, unknown> }> {
  const changed = Object.keys(process.env).filter((name) => name.startsWith('TESSERA_ARGON2_'));
  if (changed.length > 0) throw new Error(`login-flood measures Tessera's default argon2 parameters; unset ${changed.join(', ')}`);
  const setup = {
    floodRequests: FLOOD_REQUESTS,
    floodAddress: FLOOD_ADDRESS,
    victims: VICTIMS.length,
    people: PEOPLE.length,
    realSignInsPerPhase: REAL_SIGN_INS,
    intervalMs: INTERVAL_MS,
    argon2: DEFAULT_ARGON2,
    argon2CheckMs: await argon2CheckMs(),
  };
  const store = await prepareStore(options.workDir);
  const reps: FloodRep[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    const r = await runRep(rep, store, options);
    console.log(`rep ${rep}/${options.reps} ${LOGIN_FLOOD}: ${r.audit.flood.checked} hashes for ${r.flood.length} wrong passwords; real sign-ins ${r.underFlood.filter((a) => a.status === 303).length}/${r.underFlood.length} signed in`);
    reps.push(r);
  }
  const summary = floodSummary(reps);
  const printed = [
    `login-flood (Tessera only; oidc-provider and the floor do not run it): ${options.reps} repetitions, each on a fresh copy of the store.`,
    `Each: ${REAL_SIGN_INS} real sign-ins (${PEOPLE.length} people, one address each, one started every ${INTERVAL_MS} ms), then the same again while`,
    `${FLOOD_REQUESTS} wrong passwords for ${VICTIMS.length} other accounts arrive at once from ${FLOOD_ADDRESS}. Real sign-ins are pooled over the repetitions.`,
    `argon2id m=${DEFAULT_ARGON2.memoryCost} KiB, t=${DEFAULT_ARGON2.timeCost}, p=${DEFAULT_ARGON2.parallelism} (the defaults): one check took ${setup.argon2CheckMs.toFixed(1)} ms on the load generator's core.`,
    '',
    floodTables(summary),
  ].join('\n');
  return { printed, record: { setup, summary, reps } };
}
