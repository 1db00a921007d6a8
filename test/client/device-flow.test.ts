import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceFlow, DeviceFlowError, type DeviceFlowClient, type DeviceProgress } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startBearerApi, type BearerApi } from '../helpers/bearer-api.js';
import { answerDevice } from '../helpers/client-library.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The device flow (RFC 8628) through tessera/client, a user answering in the test browser. Polls every second. */
describe('client library: device flow', () => {
  let server: TestServer;
  let api: BearerApi;
  let tv: { clientId: string };
  let device: DeviceFlowClient;
  let alice: { sub: string; username: string; password: string };

  before(async () => {
    server = await startTestServer({ devicePollInterval: 1 });
    alice = await server.addUser({ username: 'alice', name: 'Alice Liddell' });
    tv = await server.addClient({ name: 'Living Room TV', type: 'public', grantTypes: [DEVICE_GRANT, 'refresh_token'], scopes: ['openid', 'profile', 'offline_access'] });
    device = await deviceFlow({ issuer: server.issuer, clientId: tv.clientId });
    api = await startBearerApi(server.issuer);
  });
  after(async () => {
    await api?.close();
    await server.close();
  });

  /** Starts a sign-in that the user answers with `decision` after the first poll; resolves with its result and the progress seen. */
  async function signInAnswered(decision: 'allow' | 'deny', client = device) {
    const progress: DeviceProgress[] = [];
    const times: number[] = [];
    let answered: Promise<string> | undefined;
    const result = await client
      .signIn({
        scope: 'openid profile offline_access',
        onProgress: (p) => {
          progress.push(p);
          times.push(Date.now());
          const code = progress[0];
          if (p.type !== 'code' && answered === undefined && code?.type === 'code') answered = answerDevice(server, code.verificationUriComplete!, code.userCode, alice, decision);
        },
      })
      .then(
        (signedIn) => ({ signedIn }),
        (error: unknown) => ({ error }),
      );
    return { result, progress, times, endedAt: Date.now(), page: await answered };
  }

  it('reports the code and each poll, and completes when the user approves', async () => {
    const { result, progress, page } = await signInAnswered('allow');
    assert.match(page!, /Device connected/);
    assert.ok('signedIn' in result, String('error' in result && result.error));
    const [code, ...polls] = progress;
    assert.ok(code?.type === 'code');
    assert.match(code.userCode, /^[B-Z]{4}-[B-Z]{4}$/);
    assert.equal(code.verificationUri, `${server.issuer}/device`);
    assert.equal(code.verificationUriComplete, `${server.issuer}/device?user_code=${code.userCode}`);
    assert.equal(code.expiresIn, 600);
    assert.equal(code.interval, 1);
    assert.ok(polls.length >= 1 && polls.every((p) => p.type === 'pending' && p.interval === 1), JSON.stringify(polls));

    const { tokens, claims } = result.signedIn;
    assert.equal(claims?.sub, alice.sub);
    assert.ok(tokens.refreshToken);
    const session = device.session(tokens);
    assert.equal((await device.userInfo(session, alice.sub))['name'], 'Alice Liddell');
    assert.equal((await session.fetch(`${api.url}/shows`)).status, 200);
  });

  it('reports slow_down when a poll comes too early, and waits 5 seconds longer', async () => {
    // Another copy of the app polls with the same device code just before each of ours: Tessera finds ours too early.
    let doubled = false;
    const eager = await deviceFlow({
      issuer: server.issuer,
      clientId: tv.clientId,
      fetch: async (url, init) => {
        if (!doubled && init.body instanceof URLSearchParams && init.body.get('grant_type') === DEVICE_GRANT) {
          doubled = true;
          await fetch(url, init as RequestInit);
        }
        return fetch(url, init as RequestInit);
      },
    });
    const { result, progress, times, endedAt } = await signInAnswered('allow', eager);
    assert.ok('signedIn' in result, String('error' in result && result.error));
    assert.deepEqual(progress[1], { type: 'slow_down', interval: 6 });
    // The user approved at once; the tokens still came only at the next poll, 6 seconds on.
    assert.equal(progress.length, 2);
    assert.ok(endedAt - times[1]! >= 5900, `${endedAt - times[1]!} ms`);
  });

  it('ends with denied when the user says no', async () => {
    const { result, progress, page } = await signInAnswered('deny');
    assert.doesNotMatch(page!, /Device connected/);
    assert.ok('error' in result && result.error instanceof DeviceFlowError && result.error.reason === 'denied', String('error' in result && result.error));
    assert.equal(progress.at(-1)?.type, 'pending');
  });

  it('ends with cancelled when the app aborts, at once, not at the next poll', async () => {
    const patient = await startTestServer({ devicePollInterval: 5 });
    try {
      const client = await patient.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
      const controller = new AbortController();
      let abortedAt = 0;
      const error = await (await deviceFlow({ issuer: patient.issuer, clientId: client.clientId }))
        .signIn({
          signal: controller.signal,
          // Half a second into the 5-second wait before the first poll.
          onProgress: (p) => void (p.type === 'code' && setTimeout(() => ((abortedAt = Date.now()), controller.abort()), 500)),
        })
        .catch((e: unknown) => e);
      assert.ok(error instanceof DeviceFlowError && error.reason === 'cancelled', String(error));
      assert.ok(Date.now() - abortedAt < 1000, `ended ${Date.now() - abortedAt} ms after the abort`);
    } finally {
      await patient.close();
    }
  });

  it('ends with expired when nobody answers in time', async () => {
    const shortLived = await startTestServer({ devicePollInterval: 1, ttl: { deviceCode: 2 } });
    try {
      const client = await shortLived.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
      const progress: DeviceProgress[] = [];
      const error = await (await deviceFlow({ issuer: shortLived.issuer, clientId: client.clientId })).signIn({ onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
      assert.ok(error instanceof DeviceFlowError && error.reason === 'expired', String(error));
      assert.equal(progress[0]?.type, 'code');
    } finally {
      await shortLived.close();
    }
  });
});
