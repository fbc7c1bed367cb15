// `meridian dnssec keygen` and `meridian dnssec ds`: making a zone's keys and telling the parent zone about them,
// with the files and the output of BIND's dnssec-keygen and dnssec-dsfromkey, so either set of tools can be used.
// A failure is one clear message on stderr and exit status 1.

import { Command, Option } from 'commander';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Errors, MeridianError } from '../base/errors.js';
import { normaliseName } from '../base/names.js';
import { readKeyDirectory } from '../dnssec/key-directory.js';
import { DNSSEC_ALGORITHMS, dnskeyPresentation, dsPresentation, generateKeyPair, KSK_FLAGS, type DnssecAlgorithmName } from '../dnssec/keys.js';

async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof MeridianError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    process.stderr.write(`meridian: ${message}\n`);
    process.exitCode = 1;
  }
}

/** Writes a new file; an existing one is never overwritten ('wx'), so a key is never lost to a second keygen. */
async function writeNewFile(file: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw Errors.dnssecKeyWrite([file, code === 'EEXIST' ? 'it already exists' : (code ?? String(error))]);
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** The key files, .private first: a .key without its .private would be published with nothing to sign. */
export async function writeKeyFiles(dir: string, basename: string, keyText: string, privateText: string): Promise<void> {
  const privateFile = path.join(dir, `${basename}.private`);
  // 0600: the private key is for the signer only (dnssec-keygen does the same). The umask can only take bits away.
  await writeNewFile(privateFile, privateText, 0o600);
  try {
    await writeNewFile(path.join(dir, `${basename}.key`), keyText, 0o644);
  } catch (error) {
    await unlink(privateFile).catch(() => {});
    throw error;
  }
}

export function registerDnssecCommands(program: Command): void {
  const dnssec = program.command('dnssec').description("DNSSEC keys: make a zone's keys, print the DS records for its parent zone");

  dnssec
    .command('keygen')
    .description('make a key pair in BIND format (K<zone>.+<alg>+<tag>.key and .private, as dnssec-keygen does); prints its name and its DS record')
    .argument('<zone>', 'the zone the key signs')
    .requiredOption('--dir <dir>', 'the key directory')
    .addOption(new Option('--algorithm <name>', 'signing algorithm').choices(Object.keys(DNSSEC_ALGORITHMS)).default('ecdsap256sha256'))
    .option('--ksk', 'a key-signing key (flags 257, the one the DS in the parent names); without it a zone-signing key (256)')
    .action((zone: string, flags: { dir: string; algorithm: DnssecAlgorithmName; ksk?: boolean }) =>
      run(async () => {
        const made = generateKeyPair(zone, flags.algorithm, { ksk: flags.ksk === true, now: new Date() });
        await writeKeyFiles(flags.dir, made.basename, made.keyText, made.privateText);
        process.stdout.write(`${made.basename}\n${dsPresentation(made.key)}\n`);
      }),
    );

  dnssec
    .command('ds')
    .description('print the DS (SHA-256) and DNSKEY records of the published key-signing keys of a zone (of all its keys, when none has flags 257)')
    .argument('<zone>', 'the zone')
    .requiredOption('--dir <dir>', 'the key directory')
    .action((zone: string, flags: { dir: string }) =>
      run(async () => {
        const name = normaliseName(zone);
        const read = await readKeyDirectory(flags.dir, [name], new Date());
        const problems = read.problems.get(name) ?? [];
        if (problems.length > 0) throw Errors.dnssecKeyDirectory([name, flags.dir, problems.map((p) => `  ${p}`).join('\n')]);
        const published = (read.keys.get(name) ?? []).filter((key) => key.published);
        const ksks = published.filter((key) => key.flags === KSK_FLAGS);
        const shown = ksks.length > 0 ? ksks : published;
        if (shown.length === 0) throw Errors.dnssecKeyDirectory([name, flags.dir, '  no key of the zone is published now']);
        process.stdout.write(shown.map((key) => `${dsPresentation(key)}\n${dnskeyPresentation(key)}\n`).join(''));
      }),
    );
}
