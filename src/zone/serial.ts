// What identifies a zone's content: the serial it gets when its file sets none (deriveSerial), and the fingerprint
// a reload compares to reuse the answers of zones that did not change.

import { createHash } from 'node:crypto';
import type { ZoneConfig } from './model.js';

/**
 * The serial a zone gets when its file sets none: the first 32 bits of a SHA-256 over a canonical JSON of the
 * normalised zone, leaving out what does not describe the zone (the file path, the CA path) and the serial itself.
 * Equal configurations give equal serials on every replica; any change of configuration gives a new one.
 */
export function deriveSerial(zone: ZoneConfig): number {
  return serialOf(canonicalZone(zone));
}

/**
 * The serial and fingerprint of a normalised zone whose soa.serial is not final yet: `fileSerial` when the file
 * sets one, else the derived serial.
 */
export function serialAndFingerprint(zone: ZoneConfig, fileSerial: number | undefined): { serial: number; fingerprint: string } {
  const canonical = canonicalZone(zone);
  const serial = fileSerial ?? serialOf(canonical);
  // Unlike the serial, which a file may set by hand, this changes with any change of the zone: a reload
  // reuses the answers of zones whose fingerprint did not change.
  const fingerprint = createHash('sha256').update(canonical).update(`\nserial ${serial}`).digest('base64url');
  return { serial, fingerprint };
}

function serialOf(canonical: string): number {
  const serial = createHash('sha256').update(canonical).digest().readUInt32BE(0);
  return serial === 0 ? 1 : serial;
}

/** The normalised zone as canonical JSON, without what does not describe it (see deriveSerial). */
function canonicalZone(zone: ZoneConfig): string {
  const { file: _file, soa, records, maintenance, geo, fingerprint: _fingerprint, ...rest } = zone;
  const { serial: _serial, ...soaWithoutSerial } = soa;
  const recordsWithoutPaths = records.map((record) =>
    record.kind === 'balanced' && record.check !== undefined
      ? { ...record, check: { ...record.check, tls: { ...record.check.tls, caFile: undefined } } }
      : record,
  );
  // Where a window is written does not describe the zone. An empty list is left out, so a zone without windows
  // keeps the serial it had before windows existed.
  const windows = (maintenance ?? []).map(({ line: _line, ...window }) => window);
  // Nor where a client rule is written; a zone without geo leaves the key out (canonicalJson drops undefined).
  const clientMap = geo === undefined ? undefined : { ...geo, clients: geo.clients.map(({ line: _line, ...rule }) => rule) };
  return canonicalJson({
    ...rest,
    geo: clientMap,
    soa: soaWithoutSerial,
    records: recordsWithoutPaths,
    ...(windows.length === 0 ? {} : { maintenance: windows }),
  });
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
