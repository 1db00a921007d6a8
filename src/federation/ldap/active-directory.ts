/**
 * What Active Directory says in its own formats: the binary objectGUID, the userAccountControl flags,
 * pwdLastSet, and the reason codes inside a refused bind's message.
 */

/** userAccountControl and msDS-User-Account-Control-Computed flags ([MS-ADTS] 2.2.16). */
export const UF = {
  ACCOUNTDISABLE: 0x2,
  LOCKOUT: 0x10,
  DONT_EXPIRE_PASSWD: 0x1_0000,
  PASSWORD_EXPIRED: 0x80_0000,
} as const;

/**
 * objectGUID as the usual GUID text (what PowerShell and ADUC show). The first three fields are stored
 * little-endian ([MS-DTYP] 2.3.4.2), so the bytes 00112233-4455-6677-… read as 33221100-5544-7766-….
 */
export function guidToString(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0'));
    return (reverse ? part.reverse() : part).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The 16 bytes a GUID's text stands for, to search objectGUID; undefined when it is not a GUID. */
export function guidToBytes(text: string): Buffer | undefined {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!match) return undefined;
  const [, a, b, c, d, e] = match as unknown as [string, string, string, string, string, string];
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}

export interface AccountFlags {
  disabled: boolean;
  passwordExpired: boolean;
}

/**
 * Disabled: ACCOUNTDISABLE in userAccountControl. Expired: pwdLastSet 0 ("must change at next logon",
 * unless the password never expires), or PASSWORD_EXPIRED, which AD computes only in
 * msDS-User-Account-Control-Computed (it is never stored in userAccountControl itself).
 */
export function accountFlags(values: { userAccountControl?: string | undefined; pwdLastSet?: string | undefined; computed?: string | undefined }): AccountFlags {
  const uac = integer(values.userAccountControl);
  const computed = integer(values.computed);
  const mustChange = values.pwdLastSet !== undefined && values.pwdLastSet.trim() === '0' && (uac & UF.DONT_EXPIRE_PASSWD) === 0;
  return {
    disabled: (uac & UF.ACCOUNTDISABLE) !== 0,
    passwordExpired: mustChange || ((uac | computed) & UF.PASSWORD_EXPIRED) !== 0,
  };
}

function integer(value: string | undefined): number {
  if (value === undefined || !/^-?\d{1,10}$/.test(value.trim())) return 0;
  // The flags are a 32-bit field; AD may show it signed.
  return Number(value.trim()) >>> 0;
}

/**
 * AD refuses a bind with invalidCredentials (49) and says why in the message, e.g.
 * "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 773, v4563".
 * AD gives these reasons only after the password matched; 52e (wrong password), 525 (no such user)
 * and 775 (locked out, which says nothing about the password) stay plain wrong passwords here.
 */
export function bindRefusal(message: string): 'password_expired' | 'disabled' | undefined {
  const code = /\bdata ([0-9a-f]{3,8})\b/i.exec(message)?.[1]?.toLowerCase();
  if (code === '532' || code === '773') return 'password_expired'; // expired; must be reset
  if (code === '533' || code === '701') return 'disabled'; // account disabled; account expired
  return undefined;
}
