// The peer group from `meridian serve`'s flags and environment (issue 17): who the peers are (peers/settings.ts),
// where to listen for them, the shared token and TLS files read once at start, the quorum and stale-after.
// Every flag has an environment variable, like the cluster flags, so a Deployment can set them from a Secret.

import { Errors, MeridianError } from '../base/errors.js';
import { parseListenEndpoint } from '../dns/endpoint.js';
import { MAJORITY, parseQuorum } from '../health/quorum.js';
import { peerGroupMembers } from '../peers/settings.js';
import type { PeerGroupConfig } from '../runtime/peer-group.js';
import { parseDuration } from '../zone/duration.js';

export interface PeerFlags {
  readonly instance?: string;
  readonly peer?: readonly string[];
  readonly peerListen?: string;
  readonly peerTokenFile?: string;
  readonly peerTlsCert?: string;
  readonly peerTlsKey?: string;
  readonly peerCa?: string;
  readonly quorum?: string;
  readonly peerStaleAfter?: string;
}

/** Three missed heartbeats (one a second) and then some: long enough for a busy peer, short enough to fail over. */
export const DEFAULT_PEER_STALE_AFTER = '5s';
/** A shared secret shorter than this is guessable; the admin token has the same floor. */
const MIN_TOKEN_LENGTH = 16;

/** The peer group's configuration; undefined when no peer other than this instance is listed. */
export function peerGroupConfig(
  flags: PeerFlags,
  env: Readonly<Record<string, string | undefined>>,
  hostname: string,
  readText: (file: string) => string,
): PeerGroupConfig | undefined {
  const members = peerGroupMembers(flags, env, hostname);
  if (members.peers.length === 0 || members.tokenFile === undefined) return undefined;
  const setting = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const read = (what: string, file: string) => {
    try {
      return readText(file);
    } catch (error) {
      throw Errors.peerFile([what, file, (error as NodeJS.ErrnoException).code ?? (error as Error).message]);
    }
  };

  const listenText = setting(flags.peerListen, 'MERIDIAN_PEER_LISTEN');
  if (listenText === undefined) throw Errors.peerListenRequired([]);
  let listen;
  try {
    listen = parseListenEndpoint(listenText);
  } catch (error) {
    if (error instanceof MeridianError) throw Errors.badPeerSetting(['--peer-listen', listenText, error.message]);
    throw error;
  }

  const token = read('peer token', members.tokenFile).trim();
  if (token.length < MIN_TOKEN_LENGTH) throw Errors.peerFile(['peer token', members.tokenFile, `the token must be at least ${MIN_TOKEN_LENGTH} characters`]);
  // A bearer token is one word (RFC 6750's b64token): one with a space inside would be refused by every peer.
  if (/\s/.test(token)) throw Errors.peerFile(['peer token', members.tokenFile, 'the token must not contain whitespace']);

  const cert = setting(flags.peerTlsCert, 'MERIDIAN_PEER_TLS_CERT');
  const key = setting(flags.peerTlsKey, 'MERIDIAN_PEER_TLS_KEY');
  if ((cert === undefined) !== (key === undefined)) throw Errors.peerTlsIncomplete([]);
  const ca = setting(flags.peerCa, 'MERIDIAN_PEER_CA');

  const quorumText = setting(flags.quorum, 'MERIDIAN_QUORUM');
  const staleText = setting(flags.peerStaleAfter, 'MERIDIAN_PEER_STALE_AFTER') ?? DEFAULT_PEER_STALE_AFTER;
  const staleAfterMs = parseDuration(staleText);
  if (staleAfterMs === undefined || staleAfterMs < 1_000)
    throw Errors.badPeerSetting(['--peer-stale-after', staleText, 'a duration of at least 1s, such as 5s']);

  return {
    instance: members.instance,
    peers: members.peers,
    token,
    listen,
    ...(cert === undefined || key === undefined ? {} : { tls: { certPem: read('peer TLS certificate', cert), keyPem: read('peer TLS key', key) } }),
    ...(ca === undefined ? {} : { caPem: read('peer CA', ca) }),
    quorum: quorumText === undefined ? MAJORITY : parseQuorum(quorumText),
    staleAfterMs,
  };
}
