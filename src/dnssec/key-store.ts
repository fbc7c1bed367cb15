// The key directory as a signer reads it (serve --dnssec-keys DIR; in Kubernetes a Secret mounted into every
// replica, so all instances sign with the same keys): read again before every zone load, so that a key added or
// retired takes effect with the next reload, and what validation needs (which zones have a usable key, and why
// the others do not) goes to the zone checks. A zone whose keys were usable keeps them when a later read finds
// problems, so a bad edit of the directory cannot unsign a zone that is serving.

import { readdir } from 'node:fs/promises';
import type { Logger } from '../base/logger.js';
import type { DnssecKeysValidation } from '../zone/check-context.js';
import { readKeyDirectory } from './key-directory.js';
import { algorithmMnemonic, parseKeyFileName, type ZoneKey } from './keys.js';
import { keySetFingerprint, type ZoneKeySet } from './zone-signer.js';

export class DnssecKeyDirectory {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  #keySets = new Map<string, ZoneKeySet>();
  #validation: DnssecKeysValidation;

  constructor(dir: string, logger: Logger, now: () => number = Date.now) {
    this.#dir = dir;
    this.#logger = logger;
    this.#now = now;
    this.#validation = { dir, usable: new Set(), problems: new Map() };
  }

  get keySets(): ReadonlyMap<string, ZoneKeySet> {
    return this.#keySets;
  }

  get validation(): DnssecKeysValidation {
    return this.#validation;
  }

  /** Reads the directory again: every zone a key file names. */
  async read(): Promise<void> {
    const files = await readdir(this.#dir).catch(() => [] as string[]);
    const zones = [...new Set(files.flatMap((file) => parseKeyFileName(file)?.zone ?? []))];
    const read = await readKeyDirectory(this.#dir, zones, new Date(this.#now()));
    // A zone is usable exactly when it has a key set to sign with: `usable` is the key sets' zones.
    const keySets = new Map<string, ZoneKeySet>();
    for (const [zone, keys] of read.keys) {
      const set = keySetOf(keys);
      if (set.signing.length > 0) {
        keySets.set(zone, set);
        continue;
      }
      const kept = this.#keySets.get(zone);
      if (kept !== undefined) {
        keySets.set(zone, kept);
        this.#logger.error('DNSSEC keys of a signed zone became unusable; it keeps signing with the keys read before', {
          zone,
          dir: this.#dir,
          problems: read.problems.get(zone) ?? [],
        });
      }
    }
    for (const [zone, problems] of read.problems)
      if (keySets.has(zone)) for (const problem of problems) this.#logger.warn('DNSSEC key problem', { zone, problem });
    const changed = [...keySets].filter(([zone, set]) => this.#keySets.get(zone)?.fingerprint !== set.fingerprint).map(([zone]) => zone);
    if (changed.length > 0)
      this.#logger.info('DNSSEC keys read', {
        dir: this.#dir,
        zones: changed.map((zone) => ({ zone, keys: describeKeys(read.keys.get(zone) ?? []) })),
      });
    this.#keySets = keySets;
    this.#validation = { dir: this.#dir, usable: new Set(keySets.keys()), problems: read.problems };
  }
}

/** The DNSKEYs a zone publishes and the keys that sign: every published key, every active one. */
function keySetOf(keys: readonly ZoneKey[]): ZoneKeySet {
  const published = keys.filter((k) => k.published);
  const signing = keys.flatMap((k) => (k.active && k.privateKey !== undefined ? [{ algorithm: k.algorithm, keyTag: k.keyTag, privateKey: k.privateKey }] : []));
  const dnskeys = published.map((k) => k.dnskeyRdata);
  return { dnskeys, signing, fingerprint: keySetFingerprint(dnskeys, signing) };
}

/** Key tags, algorithms and roles, for logs and /status: never anything of the private keys. */
export function describeKeys(keys: readonly ZoneKey[]): string[] {
  return keys.map(
    (k) => `${k.keyTag}/${algorithmMnemonic(k.algorithm)}${k.flags === 257 ? ' KSK' : ''}${k.active ? ' active' : k.published ? ' published' : ''}`,
  );
}
