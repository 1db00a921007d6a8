import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ldapDirectory } from '../../src/federation/ldap/index.js';
import { openConnection } from '../../src/federation/ldap/connection.js';
import type { Directory, DirectoryAnswer, DirectoryEntry, LdapSettings } from '../../src/core/federation/ports.js';
import { startTestDirectory, type TestDirectory } from '../helpers/ldap.js';
import { startStallProxy } from '../helpers/stall-proxy.js';
import { AD_PEOPLE, AD_USERS, CROWD, crowdTeam, GROUPS, PEOPLE, SERVICE, SUFFIX, USERS } from '../helpers/ldap-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const group = (cn: string) => `cn=${cn},${GROUPS}`;
const GROUP_SEARCH = { base: GROUPS, filter: '(&(objectClass=groupOfNames)(member={dn}))' };

function entryOf(answer: DirectoryAnswer, status: DirectoryAnswer['status'] = 'ok'): DirectoryEntry {
  assert.equal(answer.status, status, JSON.stringify(answer));
  assert.ok('entry' in answer);
  return answer.entry;
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error);
  return error.message;
}

describe('LDAP adapter against a real OpenLDAP (slapd)', () => {
  let slapd: TestDirectory;
  const opened: Directory[] = [];

  const settings = (overrides: Partial<LdapSettings> = {}): LdapSettings => ({
    url: slapd.url,
    startTls: true,
    caFile: slapd.caFile,
    bindDn: SERVICE.dn,
    bindPassword: SERVICE.password,
    userBase: PEOPLE,
    userFilter: '(uid={username})',
    preset: 'openldap',
    attributes: { id: 'entryUUID', username: 'uid', email: 'mail', name: 'cn', groups: 'memberOf' },
    groupSearch: null,
    timeoutMs: 2000,
    ...overrides,
  });
  const directory = (overrides: Partial<LdapSettings> = {}): Directory => {
    const d = ldapDirectory(settings(overrides));
    opened.push(d);
    return d;
  };
  const adSettings = (overrides: Partial<LdapSettings> = {}): Partial<LdapSettings> => ({
    userBase: AD_PEOPLE,
    preset: 'ad',
    userFilter: '(&(objectClass=tesseraTestAdUser)(|(sAMAccountName={username})(userPrincipalName={username})))',
    attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', name: 'displayName', groups: 'memberOf' },
    ...overrides,
  });

  before(async () => {
    slapd = await startTestDirectory();
  });
  after(async () => {
    await Promise.all(opened.map((d) => d.close()));
    await slapd?.close();
  });

  it('signs a user in over StartTLS with the directory password, mapping entryUUID, attributes and memberOf groups', async () => {
    const dir = directory();
    const answer = await dir.authenticate('alice', USERS.alice.password);
    const entry = entryOf(answer);
    assert.match(entry.id, UUID);
    assert.deepEqual({ ...entry, id: '' }, {
      id: '',
      dn: USERS.alice.dn,
      username: 'alice',
      email: 'alice@tessera.test',
      name: 'Alice Liddell',
      groups: [group('developers'), group('admins')],
      disabled: false,
      passwordExpired: false,
    });
    assert.equal(JSON.stringify(answer).includes(USERS.alice.password), false, 'the password is nowhere in the answer');
    assert.deepEqual(entryOf(await dir.authenticate('ALICE', USERS.alice.password)), entry, "the directory's matching rule (caseIgnore) decides; the entry is the same");
  });

  it('adds the groups a group search finds, with the user DN escaped into {dn} (a DN made of * ( ) \\)', async () => {
    // No groups attribute on the entries: every group comes from the search.
    const searchOnly = directory({ groupSearch: GROUP_SEARCH, attributes: { ...settings().attributes, groups: 'businessCategory' } });
    assert.deepEqual(entryOf(await searchOnly.authenticate('dave', USERS.dave.password)).groups, [group('developers'), group('operators')]);
    assert.deepEqual(entryOf(await searchOnly.authenticate('alice', USERS.alice.password)).groups, [group('developers'), group('admins')]);
    assert.deepEqual(entryOf(await searchOnly.authenticate('bob', USERS.bob.password)).groups, [group('developers')]);
    // Both sources: the same groups once each.
    const both = directory({ groupSearch: GROUP_SEARCH });
    assert.deepEqual(entryOf(await both.authenticate('dave', USERS.dave.password)).groups.sort(), [group('developers'), group('operators')].sort());
  });

  it('answers wrong_password, and no_such_user for an unknown username or one that two entries share', async () => {
    const dir = directory();
    assert.deepEqual(await dir.authenticate('alice', 'not her password'), { status: 'wrong_password' });
    assert.deepEqual(await dir.authenticate('alice', USERS.bob.password), { status: 'wrong_password' });
    assert.deepEqual(await dir.authenticate('mallory', 'anything'), { status: 'no_such_user' });
    assert.deepEqual(await dir.authenticate('twin', USERS.twin1.password), { status: 'no_such_user' }, 'two entries: neither signs in');
    assert.deepEqual(await dir.authenticate('', 'anything'), { status: 'no_such_user' });
  });

  it('refuses an empty password before any bind (slapd counts none)', async () => {
    const dir = directory();
    const before = await slapd.binds();
    assert.deepEqual(await dir.authenticate('alice', ''), { status: 'wrong_password' });
    assert.deepEqual(await dir.authenticate('mallory', ''), { status: 'wrong_password' });
    assert.equal(await slapd.binds(), before, 'no bind at all, not even the service account');
    // The counter does count: a real attempt is the service account's bind and the user's.
    assert.deepEqual(await dir.authenticate('alice', 'wrong'), { status: 'wrong_password' });
    assert.equal(await slapd.binds(), before + 2);
  });

  it('keeps filter syntax in usernames literal: injection finds no one, a uid made of * ( ) \\ signs in', async () => {
    const dir = directory();
    for (const attack of ['*', 'al*', '*ice', 'alice*', 'alice)(uid=*', '*)(|(uid=*', ')(uid=*', 'alice)(|(objectClass=*)', '\\', '\\2a', 'alice\u0000', 'a\ud800'])
      assert.deepEqual(await dir.authenticate(attack, USERS.alice.password), { status: 'no_such_user' }, JSON.stringify(attack));
    const special = entryOf(await dir.authenticate(USERS.special.uid, USERS.special.password));
    assert.equal(special.username, 'o(brien)*\\');
    assert.equal(special.dn, USERS.special.dn);
    // Non-ASCII goes as UTF-8: a filter on cn (a UTF-8 string; uid is ASCII only).
    const byName = directory({ userFilter: '(cn={username})' });
    assert.equal(entryOf(await byName.authenticate('Zoë Ørsted', USERS.zoe.password)).username, 'zoe');
    assert.equal(entryOf(await byName.authenticate('zoë ørsted', USERS.zoe.password)).username, 'zoe');
    assert.deepEqual(await byName.authenticate('Zoe Orsted', USERS.zoe.password), { status: 'no_such_user' });
  });

  it('speaks ldaps:// with the given CA', async () => {
    const dir = directory({ url: slapd.ldapsUrl, startTls: false });
    assert.equal(entryOf(await dir.authenticate('bob', USERS.bob.password)).username, 'bob');
    await dir.check();
  });

  it('refuses a server certificate the given CA did not sign, over ldaps:// and StartTLS', async () => {
    for (const overrides of [{ url: slapd.ldapsUrl, startTls: false }, { startTls: true }, { url: slapd.ldapsUrl, startTls: false, caFile: null }]) {
      const dir = directory({ caFile: slapd.otherCaFile, ...overrides });
      assert.deepEqual(await dir.authenticate('alice', USERS.alice.password), { status: 'unavailable' }, JSON.stringify(overrides));
      assert.equal(await dir.findById(randomUUID()), 'unavailable');
      assert.match(await rejection(dir.check()), /TLS certificate of ldaps?:\/\/127\.0\.0\.1:\d+ is not signed by a CA this server trusts \(\w+: .+\); give the CA that signed it with --ca-file/);
      assert.match(await rejection(dir.lookup('alice')), /not signed by a CA this server trusts/);
    }
  });

  it('maps an unreadable CA file and a directory that needs TLS to messages an operator can act on', async () => {
    assert.match(await rejection(directory({ caFile: '/nonexistent/ca.pem' }).check()), /^cannot read the CA file \/nonexistent\/ca\.pem: ENOENT/);
    const clear = directory({ startTls: false });
    assert.match(await rejection(clear.check()), /requires a protected connection: use ldaps:\/\/ or --start-tls/);
    assert.deepEqual(await clear.authenticate('alice', USERS.alice.password), { status: 'unavailable' });
    const plainToTlsPort = slapd.ldapsUrl.replace('ldaps:', 'ldap:');
    for (const startTls of [true, false])
      assert.match(await rejection(directory({ url: plainToTlsPort, startTls }).check()), /^ldap:\/\/127\.0\.0\.1:\d+ closed the connection (during StartTLS|when binding as the service account) instead of answering; ldaps:\/\/ needs the directory's TLS port/);
    assert.match(await rejection(directory({ url: slapd.url.replace('ldap:', 'ldaps:'), startTls: false }).check()), /^TLS with ldaps:\/\/127\.0\.0\.1:\d+ failed \(.+\); ldaps:\/\/ needs the directory's TLS port/);
  });

  it('check() binds as the service account and reads the bases, naming what is wrong', async () => {
    await directory({ groupSearch: GROUP_SEARCH }).check();
    const wrongPassword = await rejection(directory({ bindPassword: 'not the secret' }).check());
    assert.match(wrongPassword, /refused the service account: wrong bind DN or password for cn=tessera-reader,ou=service,dc=tessera,dc=test/);
    assert.match(await rejection(directory({ bindDn: `cn=nobody,${SUFFIX}` }).check()), /wrong bind DN or password for cn=nobody,dc=tessera,dc=test/);
    assert.match(await rejection(directory({ userBase: `ou=nowhere,${SUFFIX}` }).check()), /^ou=nowhere,dc=tessera,dc=test does not exist in ldap:\/\/127\.0\.0\.1:\d+/);
    assert.match(await rejection(directory({ groupSearch: { ...GROUP_SEARCH, base: `ou=nogroups,${SUFFIX}` } }).check()), /^ou=nogroups,dc=tessera,dc=test does not exist/);
    assert.match(await rejection(directory({ userFilter: '(uid={username})(cn=x)' }).check()), /^the filter \(uid=tessera-check-\d+\)\(cn=x\) does not work with ldap:\/\/127\.0\.0\.1:\d+: .*paren/i);
    assert.match(await rejection(directory({ groupSearch: { ...GROUP_SEARCH, filter: '(member={dn}' } }).check()), /^the filter \(member=cn=tessera-reader,.+ does not work/);
    assert.equal(wrongPassword.includes(SERVICE.password) || wrongPassword.includes('not the secret'), false, 'no password in a message');
  });

  it('finds a user by entryUUID, and nothing for an unknown or malformed id', async () => {
    const dir = directory({ groupSearch: GROUP_SEARCH });
    const signedIn = entryOf(await dir.authenticate('alice', USERS.alice.password));
    assert.deepEqual(await dir.findById(signedIn.id), signedIn);
    assert.equal(await dir.findById(randomUUID()), undefined);
    for (const bad of ['', 'not-a-uuid', '*', `${signedIn.id})(uid=*`]) assert.equal(await dir.findById(bad), undefined, bad);
  });

  it('looks a user up without their password: only the service account binds', async () => {
    const dir = directory();
    const before = await slapd.binds();
    const entry = await dir.lookup('alice');
    assert.equal(entry?.username, 'alice');
    assert.deepEqual(entry?.groups, [group('developers'), group('admins')]);
    assert.equal(await dir.lookup('mallory'), undefined);
    assert.equal(await dir.lookup('*'), undefined);
    assert.equal(await slapd.binds(), before + 1);
  });

  it('maps Active Directory entries: objectGUID as GUID text, sAMAccountName or UPN, disabled and expired accounts', async () => {
    const dir = directory(adSettings());
    const adam = entryOf(await dir.authenticate('adam', AD_USERS.adam.password));
    assert.deepEqual(adam, {
      id: '33221100-5544-7766-8899-aabbccddeeff',
      dn: AD_USERS.adam.dn,
      username: 'adam',
      email: 'adam@tessera.test',
      name: 'Adam Smith',
      groups: [group('developers')],
      disabled: false,
      passwordExpired: false,
    });
    assert.deepEqual(entryOf(await dir.authenticate('adam@tessera.test', AD_USERS.adam.password)), adam, 'by userPrincipalName');
    const dora = entryOf(await dir.authenticate('dora', AD_USERS.dora.password), 'disabled');
    assert.equal(dora.id, '44434241-4645-4847-494a-4b4c4d4e4f50', 'bytes that happen to be text are still a GUID');
    assert.deepEqual(await dir.authenticate('dora', 'wrong'), { status: 'wrong_password' }, 'a wrong password says nothing about the account');
    const pete = entryOf(await dir.authenticate('pete', AD_USERS.pete.password), 'password_expired');
    assert.equal(pete.passwordExpired, true);
  });

  it('finds AD users by objectGUID, sent as bytes (even * ( ) \\ NUL among them)', async () => {
    const dir = directory(adSettings());
    for (const person of Object.values(AD_USERS)) {
      const found = await dir.findById((await dir.lookup(person.sAMAccountName))!.id);
      assert.ok(found && found !== 'unavailable');
      assert.equal(found.dn, person.dn);
    }
    const pete = await dir.findById('5c29282a-ff00-0201-7f80-c3a9e2889a10');
    assert.ok(pete && pete !== 'unavailable' && pete.passwordExpired && pete.username === 'pete');
    assert.equal(await dir.findById('5C29282A-FF00-0201-7F80-C3A9E2889A10').then((e) => e !== 'unavailable' && e?.username), 'pete', 'GUID text in capitals');
    assert.equal(await dir.findById(randomUUID()), undefined);
    assert.equal(await dir.findById('not-a-guid'), undefined);
  });

  it('signs in 48 users at once (with wrong passwords among them), each getting their own entry, while lookups run', async () => {
    const dir = directory();
    const before = await slapd.binds();
    const signIns = CROWD.map((p, i) => dir.authenticate(p.uid, i % 6 === 5 ? 'wrong' : p.password));
    const lookups = Array.from({ length: 12 }, () => dir.lookup('alice'));
    const [answers, found] = await Promise.all([Promise.all(signIns), Promise.all(lookups)]);
    answers.forEach((answer, i) => {
      const person = CROWD[i]!;
      if (i % 6 === 5) return assert.deepEqual(answer, { status: 'wrong_password' });
      const entry = entryOf(answer);
      assert.equal(entry.username, person.uid);
      assert.equal(entry.dn, person.dn);
      assert.equal(entry.email, person.mail);
      assert.deepEqual(entry.groups, [crowdTeam(i)]);
    });
    assert.equal(new Set(answers.map((a) => ('entry' in a ? a.entry.id : a.status))).size, 40 + 1);
    // A search on a connection a user had bound would see only that user (the ACL: "by self read").
    for (const entry of found) assert.deepEqual(entry && [entry.username, entry.groups], ['alice', [group('developers'), group('admins')]]);
    // Bounded: at most 4 service connections each bound once, besides the 48 users' binds.
    const binds = (await slapd.binds()) - before;
    assert.ok(binds >= 48 && binds <= 48 + 4, `${binds} binds`);
  });

  it('answers unavailable at once while the directory is stopped, and signs in again once it is back', async () => {
    const dir = directory({ timeoutMs: 1000 });
    entryOf(await dir.authenticate('alice', USERS.alice.password));
    const entry = await dir.lookup('bob');
    await slapd.stop();
    try {
      const started = performance.now();
      assert.deepEqual(await dir.authenticate('alice', USERS.alice.password), { status: 'unavailable' });
      assert.equal(await dir.findById(entry!.id), 'unavailable');
      assert.ok(performance.now() - started < 1000, `${Math.round(performance.now() - started)} ms`);
      assert.match(await rejection(dir.check()), /cannot reach ldap:\/\/127\.0\.0\.1:\d+: connection refused/);
      assert.match(await rejection(dir.lookup('alice')), /connection refused/);
    } finally {
      await slapd.start();
    }
    entryOf(await dir.authenticate('alice', USERS.alice.password));
  });

  it('knows when the server closed a connection, and never reopens one behind our back', async () => {
    const startTls = await openConnection(settings(), SERVICE);
    const ldaps = await openConnection(settings({ url: slapd.ldapsUrl, startTls: false }), SERVICE);
    await slapd.stop();
    await slapd.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // ldapts alone still thinks a StartTLS connection is up (it watches the plain socket, compares the TLS one).
    assert.equal(startTls.alive, false);
    assert.equal(ldaps.alive, false);
    // ldapts would reconnect and search anonymously (finding nothing, by the ACL); this search is never sent.
    await assert.rejects(ldaps.client.search(PEOPLE, { filter: '(uid=alice)' }), /the connection to the directory was lost/);
    await Promise.all([startTls.close(), ldaps.close()]);
  });

  it('answers unavailable within the timeout when the directory stops answering, then recovers', async () => {
    const proxy = await startStallProxy(Number(new URL(slapd.url).port));
    try {
      const dir = directory({ url: `ldap://127.0.0.1:${proxy.port}`, timeoutMs: 400 });
      const alice = entryOf(await dir.authenticate('alice', USERS.alice.password));
      proxy.stall();
      for (const attempt of [() => dir.authenticate('alice', USERS.alice.password), () => dir.authenticate('bob', USERS.bob.password), () => dir.findById(alice.id)]) {
        const started = performance.now();
        const answer = await attempt();
        const took = performance.now() - started;
        assert.ok(answer === 'unavailable' || (typeof answer === 'object' && 'status' in answer && answer.status === 'unavailable'), JSON.stringify(answer));
        assert.ok(took >= 390 && took < 800, `${Math.round(took)} ms: one timeout, not several`);
      }
      assert.match(await rejection(dir.check()), /did not answer within 400 ms/);
      proxy.resume();
      assert.equal(entryOf(await dir.authenticate('alice', USERS.alice.password)).id, alice.id);
    } finally {
      await proxy.close();
    }
  });
});
