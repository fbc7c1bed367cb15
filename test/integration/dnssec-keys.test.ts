// DNSSEC keys against the tools operators already use: keys made by BIND's dnssec-keygen and by ldns-keygen parse,
// and `meridian dnssec ds` gives the DS that dnssec-dsfromkey gives; keys made by `meridian dnssec keygen` give the
// same DS in dnssec-dsfromkey and ldns-key2ds, and BIND signs a zone with them. Then the key directory reader on a
// directory where each zone has a different problem. The tools are Debian's bind9-utils and ldnsutils
// (scripts/test.sh installs them).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeKeyFiles } from '../../src/cli/dnssec.js';
import { readKeyDirectory } from '../../src/dnssec/key-directory.js';
import { generateKeyPair, keyBasename, type DnssecAlgorithmName } from '../../src/dnssec/keys.js';
import { MERIDIAN_BIN, REPO_ROOT } from '../helpers/server-process.js';

const execFileAsync = promisify(execFile);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function meridian(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MERIDIAN_BIN, ...args], { cwd: REPO_ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a Debian tool; its stdout. */
async function tool(command: string, args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { timeout: 20_000, ...(cwd === undefined ? {} : { cwd }) });
  return stdout;
}

/** "tag alg type DIGEST" of a DS line, whatever the tool's spacing, TTL and digest case. */
function dsFields(line: string): string {
  const tokens = line.trim().split(/\s+/);
  const at = tokens.indexOf('DS');
  assert.ok(at > 0, `not a DS line: ${line}`);
  const [tag, algorithm, digestType, ...digest] = tokens.slice(at + 1);
  return `${tag} ${algorithm} ${digestType} ${digest.join('').toUpperCase()}`;
}

function linesOf(text: string, type: string): string[] {
  return text.split('\n').filter((line) => line.split(/\s+/).includes(type));
}

async function keyFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => file.endsWith('.key')).sort();
}

let base: string;
before(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'meridian-dnssec-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir);
  return dir;
}

describe('keys made by dnssec-keygen and ldns-keygen', () => {
  const cases: ReadonlyArray<{ name: string; zone: string; flags: number; algorithm: number; make: (dir: string, zone: string) => Promise<unknown> }> = [
    {
      name: 'dnssec-keygen -a ECDSAP256SHA256 (a ZSK)',
      zone: 'bind-p256.example',
      flags: 256,
      algorithm: 13,
      make: (dir, zone) => tool('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-n', 'ZONE', '-K', dir, zone]),
    },
    {
      name: 'dnssec-keygen -a ED25519 -f KSK',
      zone: 'bind-ed25519.example',
      flags: 257,
      algorithm: 15,
      make: (dir, zone) => tool('dnssec-keygen', ['-q', '-a', 'ED25519', '-f', 'KSK', '-n', 'ZONE', '-K', dir, zone]),
    },
    {
      name: 'ldns-keygen -a ECDSAP256SHA256 (a ZSK, Private-key-format v1.2)',
      zone: 'ldns-p256.example',
      flags: 256,
      algorithm: 13,
      // ldns-keygen writes into its working directory.
      make: (dir, zone) => tool('ldns-keygen', ['-a', 'ECDSAP256SHA256', zone], dir),
    },
    {
      name: 'ldns-keygen -a ED25519 -k',
      zone: 'ldns-ed25519.example',
      flags: 257,
      algorithm: 15,
      make: (dir, zone) => tool('ldns-keygen', ['-a', 'ED25519', '-k', zone], dir),
    },
  ];
  for (const { name, zone, flags, algorithm, make } of cases) {
    it(`${name}: parses, and meridian dnssec ds gives dnssec-dsfromkey's DS`, async () => {
      const dir = await freshDir(zone);
      await make(dir, zone);
      const [keyFile] = await keyFilesIn(dir);
      assert.ok(keyFile !== undefined, 'the tool wrote a .key file');

      const read = await readKeyDirectory(dir, [zone], new Date());
      assert.deepEqual(read.problems, new Map());
      const [key] = read.keys.get(zone)!;
      assert.deepEqual([key?.file, key?.flags, key?.algorithm, key?.active], [keyFile, flags, algorithm, true]);

      const ds = await meridian(['dnssec', 'ds', zone, '--dir', dir]);
      assert.equal(ds.code, 0, ds.stderr);
      const [meridianDs] = linesOf(ds.stdout, 'DS');
      const [bindDs] = linesOf(await tool('dnssec-dsfromkey', ['-2', path.join(dir, keyFile)]), 'DS');
      assert.equal(dsFields(meridianDs), dsFields(bindDs));

      // The DNSKEY line is one BIND reads back to the same DS (as a zone file, which needs a default TTL; -A: ZSKs too).
      const dnskeyFile = path.join(dir, 'dnskey.db');
      await writeFile(dnskeyFile, `$TTL 3600\n${linesOf(ds.stdout, 'DNSKEY').join('\n')}\n`);
      const [fromLine] = linesOf(await tool('dnssec-dsfromkey', ['-2', '-A', '-f', dnskeyFile, zone]), 'DS');
      assert.equal(dsFields(fromLine), dsFields(bindDs));
    });
  }
});

describe('keys made by meridian dnssec keygen', () => {
  const cases: ReadonlyArray<{ algorithm: DnssecAlgorithmName; ksk: boolean }> = [
    { algorithm: 'ecdsap256sha256', ksk: true },
    { algorithm: 'ecdsap256sha256', ksk: false },
    { algorithm: 'ed25519', ksk: true },
    { algorithm: 'ed25519', ksk: false },
  ];
  for (const { algorithm, ksk } of cases) {
    it(`${algorithm}${ksk ? ' --ksk' : ''}: the DS it prints is dnssec-dsfromkey's and ldns-key2ds's`, async () => {
      const zone = `${algorithm}-${ksk ? 'ksk' : 'zsk'}.example`;
      const dir = await freshDir(zone);
      const made = await meridian(['dnssec', 'keygen', zone, '--dir', dir, '--algorithm', algorithm, ...(ksk ? ['--ksk'] : [])]);
      assert.equal(made.code, 0, made.stderr);
      const [basename, dsLine] = made.stdout.trimEnd().split('\n');
      assert.match(basename, new RegExp(`^K${zone.replaceAll('.', '\\.')}\\.\\+0(13|15)\\+\\d{5}$`));
      assert.deepEqual(await keyFilesIn(dir), [`${basename}.key`]);
      assert.equal((await stat(path.join(dir, `${basename}.private`))).mode & 0o777, 0o600);

      const keyFile = path.join(dir, `${basename}.key`);
      const [bindDs] = linesOf(await tool('dnssec-dsfromkey', ['-2', keyFile]), 'DS');
      // -f: ldns-key2ds otherwise makes DS records only for keys with the SEP flag.
      const [ldnsDs] = linesOf(await tool('ldns-key2ds', ['-n', '-2', ...(ksk ? [] : ['-f']), keyFile]), 'DS');
      assert.equal(dsFields(dsLine), dsFields(bindDs));
      assert.equal(dsFields(dsLine), dsFields(ldnsDs));

      const ds = await meridian(['dnssec', 'ds', zone, '--dir', dir]);
      assert.equal(ds.code, 0, ds.stderr);
      assert.deepEqual(linesOf(ds.stdout, 'DS'), [dsLine]);
    });
  }

  for (const algorithm of ['ecdsap256sha256', 'ed25519'] as const) {
    it(`${algorithm}: BIND signs a zone with a KSK and a ZSK from meridian, and dnssec-verify accepts it`, async () => {
      const zone = `signed-${algorithm}.example`;
      const dir = await freshDir(zone);
      for (const flags of [['--ksk'], []]) {
        const made = await meridian(['dnssec', 'keygen', zone, '--dir', dir, '--algorithm', algorithm, ...flags]);
        assert.equal(made.code, 0, made.stderr);
      }
      await writeFile(path.join(dir, 'zone.db'), '$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n');
      // -S: smart signing, the keys and their timing come from the key directory (the .private files).
      await tool('dnssec-signzone', ['-S', '-K', dir, '-o', zone, '-f', 'signed.db', 'zone.db'], dir);
      const verified = await execFileAsync('dnssec-verify', ['-o', zone, 'signed.db'], { cwd: dir, timeout: 20_000 });
      assert.match(`${verified.stdout}${verified.stderr}`, /Zone fully signed/);
      assert.match(`${verified.stdout}${verified.stderr}`, /KSKs: 1 active.*\n.*ZSKs: 1 active/);
    });
  }

  it('never overwrites a key: the second write of a basename fails and leaves the first', async () => {
    const dir = await freshDir('overwrite.example');
    const first = generateKeyPair('overwrite.example', 'ed25519', { ksk: true, now: new Date() });
    await writeKeyFiles(dir, first.basename, first.keyText, first.privateText);
    const second = generateKeyPair('overwrite.example', 'ed25519', { ksk: true, now: new Date() });
    await assert.rejects(writeKeyFiles(dir, first.basename, second.keyText, second.privateText), {
      code: 'MERIDIAN_DNSSEC_KEY_WRITE',
      message: `cannot write the DNSSEC key ${path.join(dir, `${first.basename}.private`)}: it already exists`,
    });
    assert.equal(await readFile(path.join(dir, `${first.basename}.key`), 'utf8'), first.keyText);
    assert.equal(await readFile(path.join(dir, `${first.basename}.private`), 'utf8'), first.privateText);
  });

  it('keygen into a directory that does not exist fails with a clear message', async () => {
    const missing = path.join(base, 'no-such-dir');
    const run = await meridian(['dnssec', 'keygen', 'missing.example', '--dir', missing]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^meridian: MERIDIAN_DNSSEC_KEY_WRITE: cannot write the DNSSEC key .*no-such-dir\/Kmissing\.example\.\+013\+\d{5}\.private: ENOENT\n$/,
    );
  });
});

describe('the key directory: each zone its own problems', () => {
  let dir: string;
  const GARBAGE = 'not a private key at all, but it might be a secret\n';
  const good = generateKeyPair('good.example', 'ecdsap256sha256', { ksk: true, now: new Date() });
  // A key of other.example saved under the name of wrong-owner.example: the owner inside is what counts.
  const foreign = generateKeyPair('other.example', 'ed25519', { ksk: true, now: new Date() });
  const foreignFile = `${keyBasename('wrong-owner.example', 15, foreign.key.keyTag)}.key`;
  const garbled = generateKeyPair('garbled.example', 'ed25519', { ksk: false, now: new Date() });
  const offline = generateKeyPair('offline.example', 'ed25519', { ksk: true, now: new Date() });
  let rsaFile: string;

  before(async () => {
    dir = await freshDir('directory');
    await writeKeyFiles(dir, good.basename, good.keyText, good.privateText);
    await writeFile(path.join(dir, foreignFile), foreign.keyText);
    await writeFile(path.join(dir, foreignFile.replace(/\.key$/, '.private')), foreign.privateText);
    // Tests run as root, so a chmod 000 .private would still be read: garbage stands for an unusable private key.
    await writeFile(path.join(dir, `${garbled.basename}.key`), garbled.keyText);
    await writeFile(path.join(dir, `${garbled.basename}.private`), GARBAGE);
    await writeFile(path.join(dir, `${offline.basename}.key`), offline.keyText);
    await tool('dnssec-keygen', ['-q', '-a', 'RSASHA256', '-b', '2048', '-n', 'ZONE', '-K', dir, 'rsa.example']);
    rsaFile = (await keyFilesIn(dir)).find((file) => file.startsWith('Krsa.example.'))!;
  });

  const ZONES = ['good.example', 'wrong-owner.example', 'garbled.example', 'offline.example', 'rsa.example', 'none.example'];

  it('a good key has no problem; every other zone says what is wrong, by file', async () => {
    const read = await readKeyDirectory(dir, ZONES, new Date());
    assert.deepEqual(Object.fromEntries(read.problems), {
      'wrong-owner.example': [
        `cannot use the DNSSEC key ${foreignFile}: the DNSKEY's owner is other.example., but the file name is for the zone wrong-owner.example.`,
        `no active key for wrong-owner.example in ${dir}`,
      ],
      'garbled.example': [
        `cannot use the DNSSEC key ${garbled.basename}.key: the .private file has no Private-key-format line: is it a BIND private key file?`,
        `no active key for garbled.example in ${dir}`,
      ],
      // Its DNSKEY is published, but with no .private nothing can sign.
      'offline.example': [`no active key for offline.example in ${dir}`],
      'rsa.example': [
        `cannot use the DNSSEC key ${rsaFile}: algorithm 8 (RSASHA256) is not supported; Meridian signs with 13 (ECDSAP256SHA256) or 15 (ED25519)`,
        `no active key for rsa.example in ${dir}`,
      ],
      'none.example': [`no active key for none.example in ${dir}`],
    });
    assert.ok(![...read.problems.values()].flat().some((message) => message.includes('secret')), 'no message quotes a private key file');
    assert.deepEqual(Object.fromEntries([...read.keys].map(([zone, keys]) => [zone, keys.map((key) => [key.file, key.published, key.active])])), {
      'good.example': [[`${good.basename}.key`, true, true]],
      'wrong-owner.example': [],
      'garbled.example': [],
      'offline.example': [[`${offline.basename}.key`, true, false]],
      'rsa.example': [],
      'none.example': [],
    });
  });

  it('zone names are taken as written in zone files (case, trailing dot)', async () => {
    const read = await readKeyDirectory(dir, ['Good.Example.'], new Date());
    assert.deepEqual([...read.keys.keys()], ['good.example']);
    assert.equal(read.problems.size, 0);
  });

  it('a directory that cannot be read is a problem of every zone, not an exception', async () => {
    const missing = path.join(base, 'absent');
    const read = await readKeyDirectory(missing, ['good.example'], new Date());
    assert.deepEqual(read.problems.get('good.example'), [`cannot read the key directory ${missing}: ENOENT`, `no active key for good.example in ${missing}`]);
  });

  it('meridian dnssec ds: the DS of the good zone; a clear failure for a zone with problems or no key', async () => {
    const ok = await meridian(['dnssec', 'ds', 'good.example', '--dir', dir]);
    assert.equal(ok.code, 0, ok.stderr);
    const [bindDs] = linesOf(await tool('dnssec-dsfromkey', ['-2', path.join(dir, `${good.basename}.key`)]), 'DS');
    assert.deepEqual(linesOf(ok.stdout, 'DS').map(dsFields), [dsFields(bindDs)]);

    for (const zone of ['garbled.example', 'none.example']) {
      const failed = await meridian(['dnssec', 'ds', zone, '--dir', dir]);
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, '');
      assert.match(
        failed.stderr,
        new RegExp(`^meridian: MERIDIAN_DNSSEC_KEY_DIRECTORY: the DNSSEC keys of ${zone.replace('.', '\\.')} in .* are not usable:\\n`),
      );
      assert.match(failed.stderr, new RegExp(`no active key for ${zone.replace('.', '\\.')} in `));
      assert.ok(!failed.stderr.includes('secret'));
    }
  });
});
