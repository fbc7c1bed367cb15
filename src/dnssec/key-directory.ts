// The key directory: every K<zone>.+NNN+TTTTT.key (and its .private) of the zones asked for, as dnssec-keygen
// leaves them in its -K directory. Nothing here throws for a bad file: each problem is a line for its zone, so one
// broken key never hides the others, and the caller decides what a problem means (the CLI fails, a server keeps the
// zone unsigned).

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MeridianError } from '../base/errors.js';
import { normaliseName } from '../base/names.js';
import { parseKeyFileName, parseKeyPair, type ZoneKey } from './keys.js';

export interface KeyDirectoryRead {
  /** Every zone asked for, with its usable keys (perhaps none), in file name order. */
  readonly keys: ReadonlyMap<string, readonly ZoneKey[]>;
  /** Only the zones with problems: an empty map means every zone has an active key and every file was read. */
  readonly problems: ReadonlyMap<string, readonly string[]>;
}

/** An fs error as its code ("EACCES"), the way the other file readers report them. */
function fsReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String((error as Error).message);
}

async function readPrivate(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    // No .private is a key kept offline (its DNSKEY is still published); any other failure is a problem.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One key pair, or why it cannot be used. */
async function readKeyPair(dir: string, file: string, now: Date): Promise<ZoneKey | string> {
  const keyPath = path.join(dir, file);
  const privateFile = file.replace(/\.key$/, '.private');
  let keyText: string;
  try {
    keyText = await readFile(keyPath, 'utf8');
  } catch (error) {
    return `cannot read the DNSSEC key ${file}: ${fsReason(error)}`;
  }
  let privateText: string | undefined;
  try {
    privateText = await readPrivate(path.join(dir, privateFile));
  } catch (error) {
    return `cannot read the private key ${privateFile}: ${fsReason(error)}`;
  }
  try {
    return parseKeyPair(keyText, privateText, file, now);
  } catch (error) {
    // parseKeyPair's own messages never quote the private key. Anything else is a bug: its message is left out, in
    // case it carries what it was given.
    return error instanceof MeridianError ? error.message : `cannot use the DNSSEC key ${file}: unexpected ${(error as Error).name ?? 'error'}`;
  }
}

/**
 * Every K<zone>.+NNN+TTTTT.key (with its .private when present) in `dir` for the given zones; zone names lowercase
 * without trailing dot. A key file that cannot be read or parsed, a private key that is unreadable or does not match
 * the public key, a key whose owner is another zone than its file name says, an unsupported algorithm: a problem for
 * that zone (message with file name and reason), never a thrown error and never a private key's content in any
 * message. A zone with no active key gets the problem "no active key for <zone> in <dir>".
 */
export async function readKeyDirectory(dir: string, zones: readonly string[], now: Date): Promise<KeyDirectoryRead> {
  const wanted = [...new Set(zones.map(normaliseName))];
  const keys = new Map<string, ZoneKey[]>(wanted.map((zone) => [zone, []]));
  const problems = new Map<string, string[]>();
  const problem = (zone: string, message: string) => problems.set(zone, [...(problems.get(zone) ?? []), message]);

  let files: string[] = [];
  try {
    files = (await readdir(dir)).sort();
  } catch (error) {
    for (const zone of wanted) problem(zone, `cannot read the key directory ${dir}: ${fsReason(error)}`);
  }

  for (const file of files) {
    const zone = parseKeyFileName(file)?.zone;
    if (zone === undefined || !keys.has(zone)) continue;
    const read = await readKeyPair(dir, file, now);
    if (typeof read === 'string') problem(zone, read);
    else keys.get(zone)!.push(read);
  }

  for (const [zone, zoneKeys] of keys) {
    if (!zoneKeys.some((key) => key.active)) problem(zone, `no active key for ${zone} in ${dir}`);
  }
  return { keys, problems };
}
