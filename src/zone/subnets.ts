// Reading the subnets of the geo client map ("10.1.0.0/16", "2001:db8:1::/48") into the bytes a longest-prefix
// match compares. The platform tells addresses from non-addresses strictly (net.isIPv4 takes dotted quads only,
// where ipaddr.js alone would also take "10.1" or "0x0a.0.0.1"); ipaddr.js then gives the bytes and the network
// address, which the platform has no parser for (net.BlockList only answers membership).

import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { GeoSubnet } from './model.js';

/** A subnet, or why the text is not one (a message that names the text). */
export type SubnetReading = { readonly ok: true; readonly subnet: GeoSubnet } | { readonly ok: false; readonly message: string };

/** Where IPv4-mapped IPv6 addresses lie (::ffff:0:0/96): a subnet inside it is kept as the IPv4 subnet it covers. */
const MAPPED_PREFIX = 96;

export function parseSubnet(text: string): SubnetReading {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return fail(`'${text}' is not a subnet: write ADDRESS/PREFIX, such as 10.1.0.0/16`);
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  // A zone index ("fe80::%eth0") names an interface of one host; it means nothing in a client map.
  const family = address.includes('%') ? undefined : isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return fail(`'${text}' is not a subnet: '${address}' is not an IPv4 or IPv6 address`);
  const bits = family === 4 ? 32 : 128;
  const prefix = /^(0|[1-9][0-9]{0,2})$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > bits) return fail(`'${text}' is not a subnet: the prefix length must be 0 to ${bits} for IPv${family}`);

  const parsed = ipaddr.parse(address);
  const network = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
  const bytes = network.toByteArray();
  if (!sameBytes(bytes, parsed.toByteArray())) {
    const written = network instanceof ipaddr.IPv6 ? network.toRFC5952String() : network.toString();
    return fail(`subnet '${text}' has host bits set; did you mean ${written}/${prefix}?`);
  }
  if (network instanceof ipaddr.IPv6 && network.isIPv4MappedAddress() && prefix >= MAPPED_PREFIX) {
    return { ok: true, subnet: { family: 4, bytes: bytes.slice(12), prefix: prefix - MAPPED_PREFIX, text } };
  }
  return { ok: true, subnet: { family, bytes, prefix, text } };
}

/** What identifies a subnet however it is written: two rules with the same one would both cover its clients. */
export function subnetIdentity(subnet: GeoSubnet): string {
  return `${subnet.family} ${subnet.bytes.join('.')}/${subnet.prefix}`;
}

function sameBytes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function fail(message: string): SubnetReading {
  return { ok: false, message };
}
