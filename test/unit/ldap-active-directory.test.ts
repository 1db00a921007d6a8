import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountFlags, bindRefusal, guidToBytes, guidToString } from '../../src/federation/ldap/active-directory.js';

describe('Active Directory formats', () => {
  it('renders objectGUID as the GUID text AD tools show (first three fields little-endian)', () => {
    assert.equal(guidToString(Buffer.from('00112233445566778899aabbccddeeff', 'hex')), '33221100-5544-7766-8899-aabbccddeeff');
    // [MS-DTYP] 2.3.4.3's example GUID {6B29FC40-CA47-1067-B31D-00DD010662DA}, as AD stores it.
    assert.equal(guidToString(Buffer.from('40fc296b47ca6710b31d00dd010662da', 'hex')), '6b29fc40-ca47-1067-b31d-00dd010662da');
    assert.equal(guidToString(Buffer.alloc(15)), undefined, 'not 16 bytes: not a GUID');
    assert.equal(guidToString(Buffer.alloc(17)), undefined);
  });

  it('turns GUID text back into the stored bytes, in either case, and refuses anything else', () => {
    const bytes = Buffer.from('2a28295c00ff01027f80c3a9e2889a10', 'hex');
    const text = guidToString(bytes)!;
    assert.deepEqual(guidToBytes(text), bytes);
    assert.deepEqual(guidToBytes(text.toUpperCase()), bytes);
    for (const bad of ['', 'not-a-guid', '33221100554477668899aabbccddeeff', '{33221100-5544-7766-8899-aabbccddeeff}', '33221100-5544-7766-8899-aabbccddeefg', '33221100-5544-7766-8899-aabbccddeeff\n'])
      assert.equal(guidToBytes(bad), undefined, bad);
  });

  it('maps userAccountControl: bit 2 (ACCOUNTDISABLE) is disabled, whatever else is set', () => {
    assert.deepEqual(accountFlags({ userAccountControl: '512' }), { disabled: false, passwordExpired: false }, 'NORMAL_ACCOUNT');
    assert.deepEqual(accountFlags({ userAccountControl: '514' }), { disabled: true, passwordExpired: false }, 'NORMAL_ACCOUNT | ACCOUNTDISABLE');
    assert.deepEqual(accountFlags({ userAccountControl: '66050' }), { disabled: true, passwordExpired: false }, '| DONT_EXPIRE_PASSWORD');
    assert.deepEqual(accountFlags({ userAccountControl: '528' }), { disabled: false, passwordExpired: false }, 'LOCKOUT alone is not disabled');
    assert.deepEqual(accountFlags({ userAccountControl: '-2147483646' }), { disabled: true, passwordExpired: false }, 'shown signed, still 32 flags');
    assert.deepEqual(accountFlags({}), { disabled: false, passwordExpired: false });
    assert.deepEqual(accountFlags({ userAccountControl: 'garbage' }), { disabled: false, passwordExpired: false });
  });

  it('maps an expired or must-change password: pwdLastSet 0 (unless it never expires), PASSWORD_EXPIRED computed', () => {
    assert.equal(accountFlags({ userAccountControl: '512', pwdLastSet: '0' }).passwordExpired, true);
    assert.equal(accountFlags({ userAccountControl: '66048', pwdLastSet: '0' }).passwordExpired, false, 'DONT_EXPIRE_PASSWORD wins');
    assert.equal(accountFlags({ userAccountControl: '512', pwdLastSet: '133500000000000000' }).passwordExpired, false);
    assert.equal(accountFlags({ userAccountControl: '512', pwdLastSet: '-1' }).passwordExpired, false, 'only 0 asks for a new password');
    assert.equal(accountFlags({ userAccountControl: '512', computed: String(0x800000) }).passwordExpired, true, 'msDS-User-Account-Control-Computed');
    assert.deepEqual(accountFlags({ userAccountControl: '514', pwdLastSet: '0' }), { disabled: true, passwordExpired: true });
  });

  it("reads the reason in AD's refused binds: 532/773 expired, 533/701 disabled, the rest a wrong password", () => {
    const ad = (data: string) => `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${data}, v4563\u0000`;
    assert.equal(bindRefusal(ad('532')), 'password_expired');
    assert.equal(bindRefusal(ad('773')), 'password_expired');
    assert.equal(bindRefusal(ad('533')), 'disabled');
    assert.equal(bindRefusal(ad('701')), 'disabled');
    for (const other of ['52e', '525', '775', '530', '531']) assert.equal(bindRefusal(ad(other)), undefined, other);
    assert.equal(bindRefusal('Invalid credentials'), undefined, "OpenLDAP's message");
    assert.equal(bindRefusal(''), undefined);
  });
});
