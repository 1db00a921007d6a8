import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matches, parseFilter } from '../../src/core/scim/filter.js';
import { ScimError } from '../../src/core/scim/errors.js';
import { applyPatch, parsePatchPath, parsePatchRequest } from '../../src/core/scim/patch.js';
import { USER_PATCH_SCHEMA, readUser } from '../../src/core/scim/user-mapping.js';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'Ext-1',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen III', givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  active: true,
  meta: { resourceType: 'User', created: '2026-01-23T04:56:22.000Z', lastModified: '2026-05-13T04:42:34.000Z' },
};

const match = (filter: string) => matches(user, parseFilter(filter));
const refused = (filter: string) =>
  assert.throws(() => parseFilter(filter), (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === 'invalidFilter', filter);

describe('SCIM filters (RFC 7644 §3.4.2.2)', () => {
  it('compares with every operator, ignoring the case of names and (except caseExact attributes) of values', () => {
    assert.equal(match('userName eq "BJensen@example.com"'), true);
    assert.equal(match('USERNAME Eq "bjensen@example.com"'), true);
    assert.equal(match('userName ne "bjensen@example.com"'), false);
    assert.equal(match('userName co "jensen"'), true);
    assert.equal(match('userName sw "bj"'), true);
    assert.equal(match('userName ew "example.com"'), true);
    assert.equal(match('userName ew "example.org"'), false);
    assert.equal(match('name.familyName gt "Jans"'), true);
    assert.equal(match('name.familyName ge "Jensen"'), true);
    assert.equal(match('name.familyName lt "Jensen"'), false);
    assert.equal(match('name.familyName le "jensen"'), true);
    assert.equal(match('externalId eq "ext-1"'), false, 'externalId is caseExact');
    assert.equal(match('externalId eq "Ext-1"'), true);
    assert.equal(match('id eq "2819c223-7f76-453a-919d-413861904646"'), true);
  });

  it('reads presence, booleans, null, dates and schema URNs', () => {
    assert.equal(match('title pr'), false);
    assert.equal(match('name.givenName pr'), true);
    assert.equal(match('active eq true'), true);
    assert.equal(match('active eq false'), false);
    assert.equal(match('active ne false'), true);
    assert.equal(match('title eq null'), true);
    assert.equal(match('displayName eq null'), false);
    assert.equal(match('meta.lastModified gt "2026-05-13T04:42:33Z"'), true);
    assert.equal(match('meta.lastModified ge "2026-05-13T04:42:34.000Z"'), true);
    assert.equal(match('meta.lastModified lt "2026-01-01T00:00:00Z"'), false);
    assert.equal(match('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen"'), true);
    assert.equal(match('nosuchattribute eq "x"'), false, 'an attribute the resource lacks matches nothing');
  });

  it('looks into multi-valued attributes, with and without a value filter', () => {
    assert.equal(match('emails.value eq "babs@jensen.org"'), true);
    assert.equal(match('emails co "jensen.org"'), false, 'a complex value is not a string');
    assert.equal(match('emails[type eq "work" and value co "@example.com"]'), true);
    assert.equal(match('emails[type eq "home" and value co "@example.com"]'), false);
    assert.equal(match('emails[not (type eq "work")]'), true);
    assert.equal(match('emails.type eq "other"'), false);
  });

  it('combines with and, or, not and parentheses; and binds tighter than or', () => {
    assert.equal(match('userName eq "x" or userName sw "bj" and active eq true'), true);
    assert.equal(match('(userName eq "x" or userName sw "bj") and active eq false'), false);
    assert.equal(match('userName eq "x" or userName eq "y" or name.givenName eq "barbara"'), true);
    assert.equal(match('not (userName eq "x")'), true);
    assert.equal(match('not(userName sw "bj") or (active eq true and (emails.type eq "home"))'), true);
    assert.equal(match('NOT (active eq true) AND userName pr'), false);
    assert.deepEqual(parseFilter('a eq 1 or b eq 2 and c eq 3'), {
      kind: 'or',
      left: { kind: 'compare', path: ['a'], op: 'eq', value: 1 },
      right: { kind: 'and', left: { kind: 'compare', path: ['b'], op: 'eq', value: 2 }, right: { kind: 'compare', path: ['c'], op: 'eq', value: 3 } },
    });
  });

  it('unescapes strings as JSON does', () => {
    assert.deepEqual(parseFilter('displayName eq "Babs \\"B\\" Jensen \\u00e9"'), { kind: 'compare', path: ['displayname'], op: 'eq', value: 'Babs "B" Jensen é' });
  });

  it('refuses malformed filters with 400 invalidFilter', () => {
    for (const bad of [
      '',
      '   ',
      'userName',
      'userName eq',
      'userName eq bjensen',
      'userName equals "x"',
      'userName eq "x" and',
      'userName eq "x" or or userName eq "y"',
      '(userName eq "x"',
      'userName eq "x")',
      'userName eq "unterminated',
      'userName eq "bad \\q escape"',
      'emails[type eq "work"',
      'emails[type eq "work"]]',
      'emails.value[type eq "work"]',
      'not userName eq "x"',
      'active gt true',
      'title lt null',
      'meta.lastModified gt "yesterday"',
      'meta.created co "2026"',
      'userName eq "x" userName eq "y"',
      '1userName eq "x"',
      'user;Name eq "x"',
      'userName eq "x" & active eq true',
      '((((((((((((((((((((((userName eq "x"))))))))))))))))))))))',
      `userName eq "${'x'.repeat(2100)}"`,
    ]) refused(bad);
  });
});

describe('SCIM filters and paths under random input', () => {
  it('either parse or are refused as SCIM errors, and evaluating never throws anything else', () => {
    const pieces = ['userName', 'emails', 'name.givenName', 'meta.lastModified', 'active', ' ', ' eq ', ' co ', ' pr', ' gt ', ' and ', ' or ', 'not', '(', ')', '[', ']', '"x"', '"2026-01-01T00:00:00Z"', 'true', 'null', '42', '.value', '\\', '"', 'type eq "work"', 'urn:ietf:params:scim:schemas:core:2.0:User:'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      for (const attempt of [() => matches(user, parseFilter(text)), () => parsePatchPath(text)]) {
        try {
          attempt();
          parsed++;
        } catch (e) {
          assert.ok(e instanceof ScimError && e.status === 400, `${JSON.stringify(text)}: ${String(e)}`);
        }
      }
    }
    assert.ok(parsed > 100, 'some random inputs are well-formed');
  });
});

describe('SCIM PATCH paths and operations (RFC 7644 §3.5.2)', () => {
  const base = structuredClone(user) as Record<string, unknown>;
  const patch = (operations: unknown[]) => applyPatch(base, parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }), USER_PATCH_SCHEMA);

  it('parses paths with sub-attributes, value filters and schema URNs', () => {
    assert.deepEqual(parsePatchPath('name.familyName'), { attr: 'name', sub: 'familyname' });
    assert.deepEqual(parsePatchPath('emails[type eq "work"].value'), { attr: 'emails', filter: { kind: 'compare', path: ['type'], op: 'eq', value: 'work' }, sub: 'value' });
    assert.deepEqual(parsePatchPath('members[value eq "abc"]'), { attr: 'members', filter: { kind: 'compare', path: ['value'], op: 'eq', value: 'abc' } });
    assert.deepEqual(parsePatchPath('urn:ietf:params:scim:schemas:core:2.0:User:active'), { attr: 'active' });
    for (const bad of ['', 'emails[type eq "work"', 'emails[type eq "work"]value', 'emails[type eq]', 'a.b.c', 'emails[type eq "work"].value.x']) {
      assert.throws(() => parsePatchPath(bad), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidPath', bad);
    }
  });

  it("applies Entra ID's and Okta's operations", () => {
    const entra = patch([
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@example.com' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen-Smith' },
    ]);
    assert.equal(readUser(entra).email, 'updated@example.com');
    assert.equal(readUser(entra).familyName, 'Jensen-Smith');
    assert.deepEqual((entra['emails'] as unknown[])[1], { value: 'babs@jensen.org', type: 'home' }, 'the other address stays');
    assert.equal(readUser(patch([{ op: 'replace', value: { active: false } }])).active, false);
    assert.equal(readUser(patch([{ op: 'Replace', path: 'active', value: 'False' }])).active, false);
    const added = patch([{ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] }]);
    assert.equal(readUser(added).email, 'new@example.com', 'a new primary address takes the mark from the old one');
    assert.equal((added['emails'] as unknown[]).length, 3);
    assert.equal(readUser(patch([{ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] }])).email, 'bjensen@example.com', 'an address there already is not added twice');
    assert.equal((patch([{ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] }])['emails'] as unknown[]).length, 2);
    assert.equal(readUser(patch([{ op: 'replace', value: { 'name.givenName': 'Barb', id: 'ignored', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'x' } } }])).givenName, 'Barb');
  });

  it('adds an element a value filter pins when none matches, removes by filter, and refuses what it cannot do', () => {
    const noEmail = { ...base, emails: [] };
    const added = applyPatch(noEmail, parsePatchRequest({ Operations: [{ op: 'add', path: 'emails[type eq "work"].value', value: 'new@example.com' }] }), USER_PATCH_SCHEMA);
    assert.deepEqual(added['emails'], [{ type: 'work', value: 'new@example.com' }]);
    assert.deepEqual(patch([{ op: 'remove', path: 'emails[type eq "home"]' }])['emails'], [{ value: 'bjensen@example.com', type: 'work', primary: true }]);
    assert.equal(readUser(patch([{ op: 'remove', path: 'name.givenName' }])).givenName, null);
    const code = (ops: unknown) => {
      try {
        applyPatch(base, parsePatchRequest(ops), USER_PATCH_SCHEMA);
        return 'applied';
      } catch (e) {
        return e instanceof ScimError ? `${e.status} ${e.scimType}` : 'other';
      }
    };
    assert.equal(code({ Operations: [{ op: 'remove' }] }), '400 noTarget');
    assert.equal(code({ Operations: [{ op: 'replace', path: 'id', value: 'x' }] }), '400 mutability');
    assert.equal(code({ Operations: [{ op: 'move', path: 'userName', value: 'x' }] }), '400 invalidSyntax');
    assert.equal(code({ Operations: [] }), '400 invalidSyntax');
    assert.equal(code({ schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }), '400 invalidSyntax');
    assert.equal(code({ Operations: [{ op: 'replace', path: 'emails[type eq "work" or type eq "home2"].value', value: 'x' }] }), 'applied');
    assert.equal(code({ Operations: [{ op: 'replace', path: 'emails[type pr and value ew "none"].value', value: 'x' }] }), '400 noTarget');
    assert.equal(code({ Operations: [{ op: 'replace', value: 'not an object' }] }), '400 invalidValue');
    assert.equal(code('not an object'), '400 invalidSyntax');
  });
});
