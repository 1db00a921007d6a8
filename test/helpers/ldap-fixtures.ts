/**
 * What the test directory holds (test/helpers/ldap.ts loads it): a service account, people with
 * groups (memberOf through the memberof overlay), usernames made of filter syntax, an entry whose DN is
 * made of it, two people sharing a uid, a crowd for concurrent sign-ins, and Active Directory-like
 * entries (userAccountControl, pwdLastSet, binary objectGUID) under a small schema of their own.
 */
export const SUFFIX = 'dc=tessera,dc=test';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const AD_PEOPLE = `ou=ad,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const SERVICE = { dn: `cn=tessera-reader,ou=service,${SUFFIX}`, password: 'reader secret 1' };

export interface Person {
  dn: string;
  uid: string;
  password: string;
  cn: string;
  mail: string;
}

const person = (uid: string, cn: string, rdn = `uid=${uid}`, ou = PEOPLE): Person => ({
  dn: `${rdn},${ou}`,
  uid,
  password: `${uid} pw ✓`,
  cn,
  mail: `${uid.replace(/[^a-z0-9]/gi, '')}@tessera.test`,
});

export const USERS = {
  alice: person('alice', 'Alice Liddell'),
  bob: person('bob', 'Bob Builder'),
  /** A uid made of the characters a filter must escape (RFC 4515 §3). */
  special: person('o(brien)*\\', "Pat O'Brien", 'uid=obrien'),
  /** A DN made of them too, for the group search's {dn}. */
  dave: person('dave', 'Dave (ops), *', 'cn=Dave (ops)\\2C *'),
  zoe: person('zoe', 'Zoë Ørsted'),
  twin1: person('twin', 'Twin One', 'cn=Twin One'),
  twin2: person('twin', 'Twin Two', 'cn=Twin Two', `ou=contractors,${PEOPLE}`),
};

/** Sign-ins at once: each must get its own entry and groups. */
export const CROWD: Person[] = Array.from({ length: 48 }, (_, i) => person(`user${String(i).padStart(2, '0')}`, `Crowd Member ${i}`));
export const crowdTeam = (i: number) => `cn=team${i % 4},${GROUPS}`;

export interface AdPerson extends Person {
  sAMAccountName: string;
  upn: string;
  guid: Buffer;
  userAccountControl: number;
  pwdLastSet: string;
}

const adPerson = (name: string, cn: string, guid: Buffer, userAccountControl: number, pwdLastSet: string): AdPerson => ({
  ...person(name, cn, `cn=${cn}`, AD_PEOPLE),
  sAMAccountName: name,
  upn: `${name}@tessera.test`,
  guid,
  userAccountControl,
  pwdLastSet,
});

export const AD_USERS = {
  // NORMAL_ACCOUNT (0x200); the GUID's bytes are 00 11 22 … ff.
  adam: adPerson('adam', 'Adam Smith', Buffer.from('00112233445566778899aabbccddeeff', 'hex'), 0x200, '133500000000000000'),
  // NORMAL_ACCOUNT | ACCOUNTDISABLE; a GUID whose bytes happen to be ASCII text ("ABCDEFGHIJKLMNOP").
  dora: adPerson('dora', 'Dora Disabled', Buffer.from('ABCDEFGHIJKLMNOP', 'latin1'), 0x202, '133500000000000000'),
  // Must change the password at next logon; a GUID made of filter syntax bytes: * ( ) \ NUL.
  pete: adPerson('pete', 'Pete Expired', Buffer.from('2a28295c00ff01027f80c3a9e2889a10', 'hex'), 0x200, '0'),
};

export const GROUP_MEMBERS: Record<string, string[]> = {
  developers: [USERS.alice.dn, USERS.bob.dn, USERS.dave.dn, AD_USERS.adam.dn],
  admins: [USERS.alice.dn],
  operators: [USERS.dave.dn],
  ...Object.fromEntries([0, 1, 2, 3].map((t) => [`team${t}`, CROWD.filter((_, i) => i % 4 === t).map((p) => p.dn)])),
};

/** The attributes of AD that the AD-like entries carry, under the OIDs AD gives them. */
export const AD_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.96 NAME 'pwdLastSet' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.99.1 NAME 'tesseraTestAdUser' AUXILIARY
  MAY ( objectGUID $ userAccountControl $ pwdLastSet $ sAMAccountName $ userPrincipalName ) )
`;

type Value = string | number | Buffer;

/** One LDIF record (RFC 2849): values that are not plain ASCII, or start or end awkwardly, go base64. */
function record(dn: string, attributes: [string, Value][]): string {
  const line = (name: string, value: Value) => {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    const safe = !Buffer.isBuffer(value) && /^[\x21-\x39\x3b\x3d-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(String(value));
    return safe ? `${name}: ${String(value)}` : `${name}:: ${bytes.toString('base64')}`;
  };
  return [line('dn', dn), ...attributes.map(([n, v]) => line(n, v))].join('\n');
}

const personAttributes = (p: Person): [string, Value][] => [
  ['objectClass', 'inetOrgPerson'],
  ['uid', p.uid],
  ['cn', p.cn],
  ['sn', p.cn.split(' ').at(-1) ?? p.cn],
  ['mail', p.mail],
  ['userPassword', p.password],
];

export function fixturesLdif(): string {
  const ou = (name: string, parent = SUFFIX): string => record(`ou=${name},${parent}`, [['objectClass', 'organizationalUnit'], ['ou', name]]);
  const records = [
    record(SUFFIX, [['objectClass', 'dcObject'], ['objectClass', 'organization'], ['dc', 'tessera'], ['o', 'Tessera tests']]),
    ou('service'),
    ou('people'),
    ou('contractors', PEOPLE),
    ou('ad'),
    ou('groups'),
    record(SERVICE.dn, [['objectClass', 'organizationalRole'], ['objectClass', 'simpleSecurityObject'], ['cn', 'tessera-reader'], ['userPassword', SERVICE.password]]),
    ...[...Object.values(USERS), ...CROWD].map((p) => record(p.dn, personAttributes(p))),
    ...Object.values(AD_USERS).map((p) =>
      record(p.dn, [
        ...personAttributes(p).filter(([n]) => n !== 'uid'),
        ['objectClass', 'tesseraTestAdUser'],
        ['displayName', p.cn],
        ['sAMAccountName', p.sAMAccountName],
        ['userPrincipalName', p.upn],
        ['objectGUID', p.guid],
        ['userAccountControl', p.userAccountControl],
        ['pwdLastSet', p.pwdLastSet],
      ]),
    ),
    // Groups last: the memberof overlay writes memberOf into members that exist.
    ...Object.entries(GROUP_MEMBERS).map(([cn, members]) =>
      record(`cn=${cn},${GROUPS}`, [['objectClass', 'groupOfNames'], ['cn', cn], ...members.map((m): [string, Value] => ['member', m])]),
    ),
  ];
  return `${records.join('\n\n')}\n`;
}
