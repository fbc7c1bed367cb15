// Authenticated denial with NSEC (RFC 4034 §4, RFC 4035 §3.1.3): the type bitmap, NSEC RDATA, and the canonical
// order of names (§6.1) that the chain follows. The chain is built when a zone loads, since every name of the
// zone is known then; the query path only looks up which precomputed NSEC covers a name.

import { nameWire } from './sign.js';

/** The Type Bit Maps field (RFC 4034 §4.1.2): windows of up to 32 octets, each present window once, in order. */
export function typeBitmap(types: readonly number[]): Buffer {
  const windows = new Map<number, Uint8Array>();
  for (const type of types) {
    const window = type >> 8;
    let bits = windows.get(window);
    if (bits === undefined) windows.set(window, (bits = new Uint8Array(32)));
    bits[(type & 0xff) >> 3] |= 0x80 >> (type & 7);
  }
  const parts: Buffer[] = [];
  for (const window of [...windows.keys()].sort((a, b) => a - b)) {
    const bits = windows.get(window)!;
    let length = 32;
    while (length > 0 && bits[length - 1] === 0) length--;
    parts.push(Buffer.from([window, length]), Buffer.from(bits.subarray(0, length)));
  }
  return Buffer.concat(parts);
}

/** NSEC RDATA: the next owner name in canonical order, uncompressed (RFC 4034 §4.1.1), then the type bitmap. */
export function nsecRdata(next: string, types: readonly number[]): Buffer {
  return Buffer.concat([nameWire(next), typeBitmap(types)]);
}

/**
 * A string whose plain comparison is the canonical order of names (RFC 4034 §6.1): labels from the root down,
 * each compared as lowercase octets, a label before any longer label it starts. Every octet is shifted up by
 * one so that the label separator, \0, sorts before any octet a label can hold. `key` is the answer table's
 * key form: wire-format labels as a latin1 string ("\x03app\x07example\x03com\x00"), lowercase.
 */
export function canonicalSortKey(key: string): string {
  const labels: string[] = [];
  for (let offset = 0; offset < key.length && key.charCodeAt(offset) !== 0; offset += key.charCodeAt(offset) + 1) {
    const length = key.charCodeAt(offset);
    let label = '';
    for (let i = offset + 1; i <= offset + length; i++) label += String.fromCharCode(key.charCodeAt(i) + 1);
    labels.push(label);
  }
  let sortKey = '';
  for (let i = labels.length - 1; i >= 0; i--) sortKey += labels[i] + '\0';
  return sortKey;
}

/** RFC 4034 §6.1 on two names written as text ("app.example.com"); for sorting at build time and for tests. */
export function compareCanonical(a: string, b: string): number {
  const ka = canonicalSortKey(nameToKeyForm(a));
  const kb = canonicalSortKey(nameToKeyForm(b));
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function nameToKeyForm(name: string): string {
  return nameWire(name).toString('latin1');
}

/**
 * The index of the last of `sortedKeys` (canonical sort keys, ascending) at or before `sortKey`: the NSEC owner
 * whose span covers the name. Wraps to the last owner for a name before the first (the apex is first in any
 * zone, so that happens only for names outside the zone).
 */
export function coveringIndex(sortedKeys: readonly string[], sortKey: string): number {
  let low = 0;
  let high = sortedKeys.length - 1;
  if (high < 0 || sortKey < sortedKeys[0]) return high;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (sortedKeys[middle] <= sortKey) low = middle;
    else high = middle - 1;
  }
  return low;
}
