// Who is in the peer group (issue 17), from the command line and the environment, like the cluster flags:
// --instance NAME, --peer NAME=URL (repeatable), --peer-token-file FILE, and MERIDIAN_INSTANCE, MERIDIAN_PEERS
// (NAME=URL entries separated by commas, spaces or newlines), MERIDIAN_PEER_TOKEN_FILE. Listing oneself is
// ignored, so every instance can be given the same list. Peers without a token file are refused at start.

import { Errors } from '../base/errors.js';

export interface PeerSpec {
  readonly name: string;
  readonly url: URL;
}

export interface PeerGroupMembers {
  readonly instance: string;
  /** The others: this instance is never among them. */
  readonly peers: readonly PeerSpec[];
  /** Set whenever `peers` is not empty. */
  readonly tokenFile: string | undefined;
}

const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** "eu-west=https://meridian.eu-west.example:8053" → a peer. */
export function parsePeerSpec(value: string): PeerSpec {
  const match = /^([^=\s]+)=(\S+)$/.exec(value.trim());
  let url: URL | undefined;
  try {
    url = match === null ? undefined : new URL(match[2]);
  } catch {
    url = undefined;
  }
  if (match === null || !INSTANCE_NAME.test(match[1]) || url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw Errors.badPeerSpec([value]);
  }
  return { name: match[1], url };
}

export function peerGroupMembers(
  flags: { readonly instance?: string; readonly peer?: readonly string[]; readonly peerTokenFile?: string },
  env: Readonly<Record<string, string | undefined>>,
  hostname: string,
): PeerGroupMembers {
  // The host name's first label: a pod's host name is one already; a machine's may be fully qualified.
  const given = flags.instance ?? (env.MERIDIAN_INSTANCE || undefined);
  const instance = (given ?? (hostname.split('.')[0] || '')).toLowerCase();
  // A name given is checked; the host name only matters in a group: a lone server on host "my_host" still starts.
  if (given !== undefined && !INSTANCE_NAME.test(instance)) throw Errors.badInstanceName([instance]);
  const specs = [...(flags.peer ?? []), ...(env.MERIDIAN_PEERS ?? '').split(/[\s,]+/).filter(Boolean)].map(parsePeerSpec);
  const peers: PeerSpec[] = [];
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const earlier = seen.get(spec.name);
    if (earlier !== undefined && earlier !== spec.url.href) throw Errors.duplicatePeer([spec.name]);
    if (earlier !== undefined || spec.name === instance) continue;
    seen.set(spec.name, spec.url.href);
    peers.push(spec);
  }
  const tokenFile = flags.peerTokenFile ?? (env.MERIDIAN_PEER_TOKEN_FILE || undefined);
  if (peers.length > 0 && !INSTANCE_NAME.test(instance)) throw Errors.badInstanceName([instance]);
  if (peers.length > 0 && tokenFile === undefined) throw Errors.peerTokenRequired([]);
  return { instance, peers, tokenFile };
}
