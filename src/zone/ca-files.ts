// The CA bundles that https checks name with tls.ca, read while the zone is validated, so that a missing or
// unusable file is a positioned error of the zone file rather than a probe failure later.

import { dirname, isAbsolute, join } from 'node:path';

/** Reads a file that a zone file refers to (a CA bundle); undefined when it is missing or unreadable. */
export type ReadTextFile = (path: string) => string | undefined;

/** A CA file read: its PEM text, or why it cannot be used. `caFile` is the path as resolved. */
export type CaFileRead = { readonly caFile: string; readonly caPem: string } | { readonly caFile: string; readonly problem: string };

/** Reads the CA file `ca` that the zone file `zoneFile` names. */
export function readCaFile(zoneFile: string, ca: string, readFile: ReadTextFile): CaFileRead {
  // Relative to the zone file's directory, so a zone repository can carry its CA next to its zone files.
  const caFile = isAbsolute(ca) ? ca : join(dirname(zoneFile), ca);
  const caPem = readFile(caFile);
  if (caPem === undefined) return { caFile, problem: `cannot read CA file '${caFile}'` };
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
    return { caFile, problem: `CA file '${caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  }
  return { caFile, caPem };
}
