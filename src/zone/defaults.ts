// What a zone file may leave out, and the value it then gets.

import type { StickyPrefix, WhenAllDown } from './model.js';

export const DEFAULTS = {
  zoneTtl: 30,
  soa: { refresh: 3600, retry: 600, expire: 86400, minimum: 30 },
  answers: 1,
  weight: 1,
  whenAllDown: 'all' as WhenAllDown,
  /** The client subnet a sticky record keeps on one target: /24 and /56, as response rate limiting groups clients. */
  stickyPrefix: { ipv4: 24, ipv6: 56 } as StickyPrefix,
  /** Signatures valid 14 days, made again 7 days before they expire (what BIND's dnssec-policy defaults to). */
  dnssec: { validityMs: 14 * 86_400_000, refreshMs: 7 * 86_400_000 },
  check: {
    httpPort: 80,
    httpsPort: 443,
    path: '/',
    intervalMs: 5_000,
    timeoutMs: 2_000,
    fastIntervalMs: 1_000,
    rise: 2,
    fall: 2,
    expect: [[200, 399]] as ReadonlyArray<readonly [number, number]>,
  },
} as const;
