import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type NetConnectOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { AD_SCHEMA, fixturesLdif, SUFFIX } from './ldap-fixtures.js';

const run = promisify(execFile);
const SLAPD = '/usr/sbin/slapd';
const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `/etc/ldap/schema/${s}.schema`);

/**
 * A real OpenLDAP (Debian's slapd, installed by scripts/test-setup.sh) of the tests' own: our user, free
 * ports on 127.0.0.1 (ldap:// with StartTLS, and ldaps://), a generated slapd.conf, an mdb database and
 * a CA in a temporary directory, the fixtures of ldap-fixtures.ts. A system slapd, if any, is not used.
 * It refuses operations in clear text: over ldap:// only after StartTLS.
 */
export interface TestDirectory {
  /** ldap:// (StartTLS offered) */
  url: string;
  ldapsUrl: string;
  /** PEM of the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  caFile: string;
  /** PEM of a CA that signed nothing here. */
  otherCaFile: string;
  /** Binds slapd has received, from its monitor database (cn=Monitor). */
  binds(): Promise<number>;
  /** Changes the directory as its administrator would (LDIF for ldapmodify: changetype add, modify, delete). */
  modify(ldif: string): Promise<void>;
  /** Stops slapd (the data stays); `start` brings it back on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops slapd and removes everything. */
  close(): Promise<void>;
}

export async function startTestDirectory(): Promise<TestDirectory> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-slapd-'));
  const admin = { dn: `cn=admin,${SUFFIX}`, password: `admin-${process.pid}-${Date.now()}` };
  let slapd: Running | undefined;
  let ports: [number, number] = [0, 0];
  const killOnExit = () => slapd?.child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'tessera-ad.schema'), AD_SCHEMA);
    writeFileSync(join(dir, 'admin.pw'), admin.password, { mode: 0o600 });
    writeFileSync(join(dir, 'fixtures.ldif'), fixturesLdif());
    await makeCertificates(dir);
    writeFileSync(join(dir, 'slapd.conf'), slapdConf(dir, admin));
    // A free port may be taken between our probe and slapd's bind: then try others.
    for (let attempt = 1; ; attempt += 1) {
      ports = [await freePort(), await freePort()];
      try {
        slapd = await startSlapd(dir, ports);
        break;
      } catch (error) {
        if (attempt >= 3 || !(error instanceof SlapdError && error.output.includes('Address already in use'))) throw error;
      }
    }
    await ldapadd(dir, admin, slapd);
  } catch (error) {
    slapd?.child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const url = `ldap://127.0.0.1:${ports[0]}`;
  let reads = 0;
  const stop = async () => {
    const running = slapd;
    slapd = undefined;
    if (running) await running.stop();
  };
  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${ports[1]}`,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    async modify(ldif) {
      const file = join(dir, `change-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
      writeFileSync(file, ldif);
      await run('ldapmodify', ['-x', '-H', ldapiUrl(dir), '-D', admin.dn, '-y', join(dir, 'admin.pw'), '-f', file], { env: { ...process.env, LDAPNOINIT: '1' } });
    },
    async binds() {
      const client = new Client({ url, timeout: 2000 });
      try {
        await client.startTLS({ ca: readFileSync(join(dir, 'ca.pem')), host: '127.0.0.1' });
        await client.bind(admin.dn, admin.password);
        const { searchEntries } = await client.search('cn=Bind,cn=Operations,cn=Monitor', { scope: 'base', attributes: ['monitorOpInitiated'] });
        // Less the binds of every read so far, this one included.
        reads += 1;
        return Number(searchEntries[0]?.['monitorOpInitiated']) - reads;
      } finally {
        await client.unbind();
      }
    },
    stop,
    async start() {
      if (!slapd) slapd = await startSlapd(dir, ports);
    },
    async close() {
      await stop();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function slapdConf(dir: string, admin: { dn: string; password: string }): string {
  return `${[...SCHEMAS, join(dir, 'tessera-ad.schema')].map((s) => `include ${s}`).join('\n')}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${join(dir, 'slapd.pid')}
argsfile ${join(dir, 'slapd.args')}
TLSCACertificateFile ${join(dir, 'ca.pem')}
TLSCertificateFile ${join(dir, 'server.pem')}
TLSCertificateKeyFile ${join(dir, 'server.key')}

database monitor
access to * by dn.exact="${admin.dn}" read by * none

database mdb
suffix "${SUFFIX}"
rootdn "${admin.dn}"
rootpw ${admin.password}
directory ${join(dir, 'db')}
maxsize 33554432
dbnosync
# Nothing in clear text (ldapi:// counts as protected): the StartTLS tests prove TLS was on.
security ssf=1
index objectClass,uid,cn,sAMAccountName,userPrincipalName,member eq
index entryUUID,objectGUID eq
overlay memberof
memberof-refint TRUE
access to attrs=userPassword
  by anonymous auth
  by * none
access to dn.subtree="${SUFFIX}"
  by dn.exact="cn=tessera-reader,ou=service,${SUFFIX}" read
  by self read
  by * none
`;
}

/** A CA, a server certificate it signs for 127.0.0.1 and localhost, and a second CA that signs nothing. */
async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string) =>
    run('openssl', ['req', '-x509', '-new', ...ec, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const csr = run('openssl', ['req', '-new', ...ec, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'), '-subj', '/CN=localhost']);
  await Promise.all([ca('ca', 'Tessera test CA'), ca('other-ca', 'Some other CA'), csr]);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-set_serial', '0x1001', '-days', '2', '-out', join(dir, 'server.pem'), '-extfile', join(dir, 'server.ext')]);
}

class SlapdError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n--- slapd said ---\n${output}`);
  }
}

interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts slapd in the foreground. It logs "slapd starting" while its daemon thread may not have called
 * listen() yet: ready is when, after that, each listener accepts a connection.
 */
async function startSlapd(dir: string, [ldap, ldaps]: [number, number]): Promise<Running> {
  // `-d none` keeps slapd in the foreground and prints only what it always logs: its fatal errors and "slapd starting".
  const child = spawn(SLAPD, ['-h', `ldap://127.0.0.1:${ldap}/ ldaps://127.0.0.1:${ldaps}/ ${ldapiUrl(dir)}`, '-f', join(dir, 'slapd.conf'), '-d', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SlapdError('slapd did not start within 10 s', output)), 10_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('slapd starting')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new SlapdError(`cannot run ${SLAPD} (${error.message}); scripts/test-setup.sh installs it`, output));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new SlapdError(`slapd exited with ${code} while starting`, output));
    });
  })
    .then(() => Promise.all([{ host: '127.0.0.1', port: ldap }, { host: '127.0.0.1', port: ldaps }, { path: join(dir, 'ldapi') }].map((to) => accepting(to, exited))))
    .catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error instanceof SlapdError ? error : new SlapdError(String(error), output);
    });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}

async function accepting(to: NetConnectOpts, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 5))) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(to, () => {
        socket.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (ok) return;
    if (gone) throw new Error('slapd exited while starting');
    if (Date.now() - started > 5000) throw new Error(`slapd does not accept connections on ${JSON.stringify(to)}`);
  }
}

async function ldapadd(dir: string, admin: { dn: string }, slapd: Running): Promise<void> {
  try {
    // LDAPNOINIT: no ldap.conf or ~/.ldaprc may change where or how it connects.
    await run('ldapadd', ['-x', '-H', ldapiUrl(dir), '-D', admin.dn, '-y', join(dir, 'admin.pw'), '-f', join(dir, 'fixtures.ldif')], {
      env: { ...process.env, LDAPNOINIT: '1' },
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new SlapdError(`loading the fixtures failed: ${stderr?.trim() || message}`, slapd.output());
  }
}

/** A Unix socket in the temporary directory: the fixtures load over it (a protected transport for slapd's `security`). */
function ldapiUrl(dir: string): string {
  return `ldapi://${encodeURIComponent(join(dir, 'ldapi'))}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
