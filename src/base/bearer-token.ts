// A shared secret presented as `Authorization: Bearer TOKEN`: the admin API's and the peer link's. Compared in
// constant time, over digests, so that neither the token nor its length leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Whether the headers bear the token whose digest is `expected`. */
export function bearsToken(headers: IncomingHttpHeaders, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match !== null && timingSafeEqual(tokenDigest(match[1]), expected);
}
