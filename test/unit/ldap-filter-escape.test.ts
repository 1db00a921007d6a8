import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FilterParser, EqualityFilter, AndFilter } from 'ldapts';
import { escapeFilterValue, fillFilter } from '../../src/federation/ldap/filter-escape.js';

describe('RFC 4515 escaping of typed values in LDAP filters', () => {
  it('escapes the five characters §3 requires: * ( ) \\ and NUL', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('('), '\\28');
    assert.equal(escapeFilterValue(')'), '\\29');
    assert.equal(escapeFilterValue('\\'), '\\5c');
    assert.equal(escapeFilterValue('\u0000'), '\\00');
    assert.equal(escapeFilterValue('Parens R Us (for all your parenthetical needs)'), 'Parens R Us \\28for all your parenthetical needs\\29', 'the example of RFC 4515 §4');
    assert.equal(escapeFilterValue('a*b\\c'), 'a\\2ab\\5cc');
  });

  it('escapes other ASCII control characters, and leaves plain text and non-ASCII as UTF-8 (§3 UTFMB)', () => {
    assert.equal(escapeFilterValue('tab\there\r\n\u007f'), 'tab\\09here\\0d\\0a\\7f');
    assert.equal(escapeFilterValue('alice.o-k_1@example.com'), 'alice.o-k_1@example.com');
    assert.equal(escapeFilterValue('Lučić Zoë 日本 😀'), 'Lučić Zoë 日本 😀');
  });

  it('refuses text that has no UTF-8 form (a lone surrogate)', () => {
    assert.throws(() => escapeFilterValue('a\ud800b'), /lone surrogate/);
    assert.throws(() => escapeFilterValue('\udc00'), /lone surrogate/);
  });

  it('fills every placeholder, and replacement patterns in the value stay literal', () => {
    assert.equal(fillFilter('(|(uid={username})(mail={username}))', '{username}', 'a*'), '(|(uid=a\\2a)(mail=a\\2a))');
    assert.equal(fillFilter('(uid={username})', '{username}', "$&$'$`$$"), "(uid=$&$'$`$$)");
    assert.equal(fillFilter('(member={dn})', '{dn}', 'cn=Dave (ops)\\2C *,dc=x'), '(member=cn=Dave \\28ops\\29\\5c2C \\2a,dc=x)');
  });

  it('injection attempts stay one equality assertion on the literal text, as ldapts parses the filter', () => {
    for (const attack of ['*', 'al*', ')(uid=*', '*)(|(uid=*', 'alice)(|(objectClass=*)', '\\', '\\2a', 'x\u0000', 'Zoë (ø) *']) {
      const parsed = FilterParser.parseString(fillFilter('(&(objectClass=person)(uid={username}))', '{username}', attack));
      assert.ok(parsed instanceof AndFilter);
      assert.equal(parsed.filters.length, 2, attack);
      const uid = parsed.filters[1];
      assert.ok(uid instanceof EqualityFilter, `${attack} is an equality match, not a substring or presence filter`);
      assert.equal(uid.value, attack, 'the server is sent the typed text itself');
    }
  });
});
