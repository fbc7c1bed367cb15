// Signing in the running server (issue 19): the zone loader that reads the key directory first (so that a zone
// asking for signing without a usable key fails to load: never served unsigned by surprise), and the hourly
// reload that re-signs what nears expiry. The directory itself is read by dnssec/key-store.ts.

import type { ZoneSigner } from '../dnssec/zone-signer.js';
import type { DnssecKeyDirectory } from '../dnssec/key-store.js';
import type { Clock, TimerHandle } from '../base/clock.js';
import type { ZoneLoader } from './served-zones.js';

export interface DnssecKeySettings {
  /** The key directory; without it no zone is signed, and a zone that asks to be is an error. */
  readonly dnssecKeys?: string;
}

/** Signatures are checked for their refresh margin this often (a rebuild re-signs only what is due). */
export const SIGNATURE_CHECK_INTERVAL_MS = 3_600_000;

/**
 * Reloads the zones every hour while signing, so that the key directory is read again (a key's Activate or
 * Inactive time may have come) and signatures within their refresh margin are made again: the answer table
 * re-signs only the zones that need it, and unchanged RRsets keep their cached signatures.
 */
export function startSignatureRefresh(clock: Clock, reload: (reason: string) => Promise<unknown>, intervalMs = SIGNATURE_CHECK_INTERVAL_MS): { stop(): void } {
  let timer: TimerHandle | undefined;
  const arm = () => {
    timer = clock.setTimer(() => {
      // A failed reload is logged and counted by reload() itself.
      void reload('DNSSEC signature refresh')
        .catch(() => {})
        .finally(arm);
    }, intervalMs);
  };
  arm();
  return {
    stop: () => {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    },
  };
}

/**
 * A zone loader that reads the key directory first: the signer gets the keys, validation learns which zones can
 * be signed (a zone that asks without a usable key fails to load, keeping its last good revision).
 */
export function signingZoneLoader(load: ZoneLoader, keys: DnssecKeyDirectory, signer: Pick<ZoneSigner, 'setKeys'>): ZoneLoader {
  return async (dir, options, served) => {
    await keys.read();
    signer.setKeys(keys.keySets);
    return load(dir, { ...options, dnssecKeys: keys.validation }, served);
  };
}
