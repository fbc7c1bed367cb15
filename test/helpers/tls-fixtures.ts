// Certificates for HTTPS tests, made at test time with the openssl CLI so nothing expires in the repository:
// a private CA, a server certificate it signed, and an unrelated self-signed certificate for negative tests.
// ECDSA P-256 keys keep generation to a few milliseconds.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const OPENSSL = '/usr/bin/openssl';
const VALIDITY_DAYS = '2';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface KeyPair {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface TlsFixtures {
  /** The private CA's certificate: what a probe passes as `tls.caPem`. */
  readonly caPem: string;
  /** Signed by the CA, valid for the requested names and addresses. */
  readonly server: KeyPair;
  /** Self-signed, for the same names, trusted by nobody. */
  readonly unrelated: KeyPair;
}

export interface TlsFixtureOptions {
  /** DNS subjectAltNames of the server certificate; the first is also its common name. */
  readonly dnsNames: readonly string[];
  /** IP subjectAltNames of the server certificate. */
  readonly ipAddresses?: readonly string[];
}

export async function createTlsFixtures(options: TlsFixtureOptions): Promise<TlsFixtures> {
  const [commonName] = options.dnsNames;
  if (commonName === undefined) throw new Error('createTlsFixtures needs at least one DNS name');
  const subjectAltName = [...options.dnsNames.map((name) => `DNS:${name}`), ...(options.ipAddresses ?? []).map((ip) => `IP:${ip}`)].join(',');
  const dir = await mkdtemp(path.join(tmpdir(), 'meridian-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => run(OPENSSL, args, { cwd: dir, timeout: 20_000 });
  try {
    await openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      VALIDITY_DAYS,
      '-subj',
      '/CN=Meridian Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);

    await openssl(['req', '-new', ...EC_KEY, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${commonName}`]);
    await writeFile(
      file('server.ext'),
      [`subjectAltName=${subjectAltName}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', ''].join(
        '\n',
      ),
    );
    await openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      '2',
      '-days',
      VALIDITY_DAYS,
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);

    await openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      file('unrelated.key'),
      '-out',
      file('unrelated.pem'),
      '-days',
      VALIDITY_DAYS,
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=${subjectAltName}`,
    ]);

    const read = (name: string) => readFile(file(name), 'utf8');
    return {
      caPem: await read('ca.pem'),
      server: { keyPem: await read('server.key'), certPem: await read('server.pem') },
      unrelated: { keyPem: await read('unrelated.key'), certPem: await read('unrelated.pem') },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
